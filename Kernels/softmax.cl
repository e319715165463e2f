// The row-wise softmax cross-entropy of one block of queries; one work-group of ROW_GROUP
// work-items per query row. For query i = row0 + r with relevant documents R_i (sorted ids
// relevant[offsets[i] .. offsets[i+1]]), from its scores S[r][·] it writes
//   row_loss[i]   = Σ_{j∈R_i} (lse_i − S_ij)              (its share of P·L)
//   row_solved[i] = min_{j∈R_i} S_ij > max_{l∉R_i} S_il   (ties are not solved)
//   row_found[i]  = relevant documents among the top |R_i| (ties broken by lower id)
// and replaces the scores with the gradient of the loss, in place:
//   G_ij = (|R_i| · softmax_ij − A_ij) / P.

__kernel __attribute__((reqd_work_group_size(ROW_GROUP, 1, 1)))
void softmax_rows(const int n, const int row0, const float inverse_pairs,
                  __global const uint *offsets, __global const int *relevant,
                  __global float *S, __global float *row_loss, __global int *row_solved,
                  __global int *row_found) {
  const int lid = get_local_id(0);
  const int i = row0 + get_group_id(0);
  __global float *s = S + (size_t)get_group_id(0) * n;
  const uint begin = offsets[i];
  const uint end = offsets[i + 1];
  const int count = (int)(end - begin);
  __local float scratch[ROW_GROUP];
  __local int integer_scratch[ROW_GROUP];

  // The best irrelevant score: each work-item walks its documents in increasing order,
  // and the sorted relevant ids alongside.
  float best_irrelevant = -INFINITY;
  uint next = begin;
  for (int j = lid; j < n; j += ROW_GROUP) {
    while (next < end && relevant[next] < j) ++next;
    if (next < end && relevant[next] == j) continue;
    best_irrelevant = fmax(best_irrelevant, s[j]);
  }
  best_irrelevant = group_max(best_irrelevant, scratch);

  float worst_relevant = INFINITY;
  float best_relevant = -INFINITY;
  for (int a = lid; a < count; a += ROW_GROUP) {
    const float score = s[relevant[begin + a]];
    worst_relevant = fmin(worst_relevant, score);
    best_relevant = fmax(best_relevant, score);
  }
  worst_relevant = group_min(worst_relevant, scratch);
  best_relevant = group_max(best_relevant, scratch);
  const int solved = worst_relevant > best_irrelevant;
  const float maximum = fmax(best_relevant, best_irrelevant);

  // Top-|R| hits: a relevant document is found when fewer than |R| documents rank above it.
  int found = count;
  if (!solved) {
    found = 0;
    for (int a = 0; a < count; ++a) {
      const int id = relevant[begin + a];
      const float score = s[id];
      int ahead = 0;
      for (int j = lid; j < n; j += ROW_GROUP) ahead += (s[j] > score) || (s[j] == score && j < id);
      found += group_sum_int(ahead, integer_scratch) < count;
    }
  }

  float total = 0.0f;
  for (int j = lid; j < n; j += ROW_GROUP) total += exp(s[j] - maximum);
  total = group_sum(total, scratch);
  const float log_sum_exp = maximum + log(total);

  if (lid == 0) {
    float loss = 0.0f;
    for (int a = 0; a < count; ++a) loss += log_sum_exp - s[relevant[begin + a]];
    row_loss[i] = loss;
    row_solved[i] = solved;
    row_found[i] = found;
  }
  // Every score is read before any is overwritten.
  barrier(CLK_GLOBAL_MEM_FENCE);

  const float scale = (float)count * inverse_pairs / total;
  next = begin;
  for (int j = lid; j < n; j += ROW_GROUP) {
    float gradient = exp(s[j] - maximum) * scale;
    while (next < end && relevant[next] < j) ++next;
    if (next < end && relevant[next] == j) gradient -= inverse_pairs;
    s[j] = gradient;
  }
}
