// Early stopping on the device, so that the host reads results once every few dozen steps
// instead of every step. After each step's reduction, record_step (one work-item) copies the
// step's totals into the history and applies the stopping rules (StoppingRules, in
// FreeEmbeddingFit.swift) in double precision, exactly as the host does:
//   loss = loss bits as float / loss terms;  improved when loss < best − min_delta
//   stop when (solved and stop_when_solved), or patience steps without improvement, or at
//   max_iterations.
// control[0] = stopped, control[1] = steps recorded, control[2] = steps without improvement.
// Once stopped, record_step and adam_rows do nothing, so the parameters stay those of the
// step that stopped, as when the host decides.

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

__kernel void record_step(const int queries, const int loss_terms, const int patience,
                          const double min_delta, const int stop_when_solved,
                          const int max_iterations, const int slot,
                          __global const uint *totals, __global int *control,
                          __global double *best_loss, __global uint *history) {
  if (control[0]) return;
  const int iteration = ++control[1];
  for (int value = 0; value < 3; ++value) history[3 * slot + value] = totals[value];
  const double loss = (double)as_float(totals[0]) / (double)loss_terms;
  if (loss < best_loss[0] - min_delta) {
    best_loss[0] = loss;
    control[2] = 0;
  } else {
    control[2] += 1;
  }
  const bool solved = (int)totals[1] == queries;
  if ((solved && stop_when_solved) || control[2] >= patience || iteration == max_iterations) {
    control[0] = 1;
  }
}
#endif
