// The step's scalars from the per-query results, in one work-group of ROW_GROUP work-items:
//   totals[0] = Σ_i row_loss[i] (as the bits of a float; compensated summation),
//   totals[1] = queries solved, totals[2] = relevant documents found,
//   totals[3] = Σ_i row_bias_gradient[i] (as the bits of a float).
// The only values the host reads each step.

__kernel __attribute__((reqd_work_group_size(ROW_GROUP, 1, 1)))
void reduce_rows(const int m, __global const float *row_loss, __global const int *row_solved,
                 __global const int *row_found, __global const float *row_bias_gradient,
                 __global uint *totals) {
  const int lid = get_local_id(0);
  __local float scratch[ROW_GROUP];
  __local int integer_scratch[ROW_GROUP];
  // Kahan summation of this work-item's share.
  float loss = 0.0f;
  float compensation = 0.0f;
  float bias_gradient = 0.0f;
  int solved = 0;
  int found = 0;
  for (int i = lid; i < m; i += ROW_GROUP) {
    const float term = row_loss[i] - compensation;
    const float sum = loss + term;
    compensation = (sum - loss) - term;
    loss = sum;
    solved += row_solved[i];
    found += row_found[i];
    bias_gradient += row_bias_gradient[i];
  }
  loss = group_sum(loss, scratch);
  solved = group_sum_int(solved, integer_scratch);
  found = group_sum_int(found, integer_scratch);
  bias_gradient = group_sum(bias_gradient, scratch);
  if (lid == 0) {
    totals[0] = as_uint(loss);
    totals[1] = (uint)solved;
    totals[2] = (uint)found;
    totals[3] = as_uint(bias_gradient);
  }
}
