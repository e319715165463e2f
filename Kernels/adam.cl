// One Adam step (optax.adam's update) on every row of a parameter matrix, then the row scaled
// to unit length; one work-item per row:
//   m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
//   p ← p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε),  p ← p / |p|.
// first_correction = 1 − β1^t and second_correction = 1 − β2^t come from the host. Nothing
// happens once control[0] is set: the fit stopped on the device (control.cl).

__kernel void adam_rows(const int rows, const int d, const float learning_rate,
                        const float first_correction, const float second_correction,
                        __global float *parameters, __global const float *gradient,
                        __global float *first_moment, __global float *second_moment,
                        __global const int *control) {
  const int r = get_global_id(0);
  if (r >= rows || control[0]) return;
  const size_t start = (size_t)r * d;
  float squared_norm = 0.0f;
  for (int c = 0; c < d; ++c) {
    const size_t index = start + c;
    const float g = gradient[index];
    const float m = ADAM_BETA1 * first_moment[index] + (1.0f - ADAM_BETA1) * g;
    const float v = ADAM_BETA2 * second_moment[index] + (1.0f - ADAM_BETA2) * g * g;
    first_moment[index] = m;
    second_moment[index] = v;
    const float p = parameters[index]
        - learning_rate * (m / first_correction) / (sqrt(v / second_correction) + ADAM_EPSILON);
    parameters[index] = p;
    squared_norm += p * p;
  }
  const float norm = sqrt(squared_norm);
  for (int c = 0; c < d; ++c) parameters[start + c] /= norm;
}
