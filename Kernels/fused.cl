// The fused InfoNCE step: scores, loss, verdicts and both gradients without a score matrix.
// Memory grows with (m + n)·d: besides the parameters, one float per query (its log-sum-exp).
//
//   fused_query_rows     one work-group per query i: an online log-sum-exp over the documents,
//                        the verdict and top-|R_i| hits, the loss, and ∇Q_i = G_i· D / τ
//   fused_document_rows  one work-group per document j, over every query in order:
//                        ∇D_j = Σ_i G_ij q_i / τ, from the log-sum-exps of the first kernel
//
// Scores are recomputed where needed (about 10·m·n·d operations instead of 6·m·n·d), and every
// sum runs in a fixed order: the results do not depend on scheduling. Both kernels take two
// __local arrays of d floats. G_ij = (|R_i| softmax_ij − A_ij) / P, as in row_losses.

// Whether the sorted ids relevant[begin ..< end] hold j.
bool holds(const int j, const uint begin, const uint end, __global const int *relevant) {
  for (uint a = begin; a < end; ++a) {
    if (relevant[a] >= j) return relevant[a] == j;
  }
  return false;
}

// gradient[c] += Σ_{r < rows} weights[r] · X[(first + r) d + c] / τ over c < d, the work-items
// splitting c. Callers put the weights in local memory and hold a barrier before and after.
void add_weighted_rows(__local float *gradient, __local const float *weights, const int rows,
                       const int first, const int d, __global const float *X) {
  for (int c = get_local_id(0); c < d; c += ROW_GROUP) {
    float total = gradient[c];
    for (int r = 0; r < rows; ++r) total += weights[r] * X[(size_t)(first + r) * d + c];
    gradient[c] = total;
  }
}

__kernel __attribute__((reqd_work_group_size(ROW_GROUP, 1, 1)))
void fused_query_rows(const int n, const int d, const float inverse_temperature,
                      const float inverse_terms, __global const uint *offsets,
                      __global const int *relevant, __global const float *Q,
                      __global const float *D, __global float *query_gradient,
                      __global float *row_lse, __global float *row_loss,
                      __global int *row_solved, __global int *row_found,
                      __local float *q, __local float *gradient) {
  const int lid = get_local_id(0);
  const int i = get_group_id(0);
  const uint begin = offsets[i];
  const uint end = offsets[i + 1];
  const int count = (int)(end - begin);
  __local float scratch[ROW_GROUP];
  __local int integer_scratch[ROW_GROUP];
  __local float weights[ROW_GROUP];
  for (int c = lid; c < d; c += ROW_GROUP) {
    q[c] = Q[(size_t)i * d + c] * inverse_temperature;
    gradient[c] = 0.0f;
  }
  barrier(CLK_LOCAL_MEM_FENCE);

  // One pass: the running maximum and the sum of exponentials below it, and the verdict's
  // best irrelevant score.
  float maximum = -INFINITY;
  float total = 0.0f;
  float best_irrelevant = -INFINITY;
  uint next = begin;
  for (int j = lid; j < n; j += ROW_GROUP) {
    const float s = dot_local(q, D + (size_t)j * d, d);
    if (s > maximum) {
      total = total * exp(maximum - s) + 1.0f;
      maximum = s;
    } else {
      total += exp(s - maximum);
    }
    if (!is_relevant(j, &next, end, relevant)) best_irrelevant = fmax(best_irrelevant, s);
  }
  const float row_maximum = group_max(maximum, scratch);
  total = group_sum(maximum == -INFINITY ? 0.0f : total * exp(maximum - row_maximum), scratch);
  best_irrelevant = group_max(best_irrelevant, scratch);
  const float log_sum_exp = row_maximum + log(total);

  float loss = 0.0f;
  for (int a = lid; a < count; a += ROW_GROUP) {
    loss += log_sum_exp - dot_local(q, D + (size_t)relevant[begin + a] * d, d);
  }
  loss = group_sum(loss, scratch);
  const int solved = row_is_solved(best_irrelevant, begin, count, relevant, 0, q, D, d, scratch);

  const int found = top_hits(solved, n, begin, count, relevant, 0, q, D, d, integer_scratch);

  // ∇Q_i, ROW_GROUP documents at a time.
  const float scale = (float)count * inverse_terms / total;
  next = begin;
  for (int j0 = 0; j0 < n; j0 += ROW_GROUP) {
    const int j = j0 + lid;
    float weight = 0.0f;
    if (j < n) {
      weight = exp(dot_local(q, D + (size_t)j * d, d) - row_maximum) * scale;
      if (is_relevant(j, &next, end, relevant)) weight -= inverse_terms;
    }
    weights[lid] = weight;
    barrier(CLK_LOCAL_MEM_FENCE);
    add_weighted_rows(gradient, weights, min(ROW_GROUP, n - j0), j0, d, D);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int c = lid; c < d; c += ROW_GROUP) {
    query_gradient[(size_t)i * d + c] = gradient[c] * inverse_temperature;
  }
  if (lid == 0) {
    row_lse[i] = log_sum_exp;
    row_loss[i] = loss;
    row_solved[i] = solved;
    row_found[i] = found;
  }
}

__kernel __attribute__((reqd_work_group_size(ROW_GROUP, 1, 1)))
void fused_document_rows(const int m, const int d, const float inverse_temperature,
                         const float inverse_terms, __global const uint *offsets,
                         __global const int *relevant, __global const float *Q,
                         __global const float *D, __global const float *row_lse,
                         __global float *document_gradient, __local float *document,
                         __local float *gradient) {
  const int lid = get_local_id(0);
  const int j = get_group_id(0);
  __local float weights[ROW_GROUP];
  for (int c = lid; c < d; c += ROW_GROUP) {
    document[c] = D[(size_t)j * d + c] * inverse_temperature;
    gradient[c] = 0.0f;
  }
  barrier(CLK_LOCAL_MEM_FENCE);

  for (int i0 = 0; i0 < m; i0 += ROW_GROUP) {
    const int i = i0 + lid;
    float weight = 0.0f;
    if (i < m) {
      const uint begin = offsets[i];
      const uint end = offsets[i + 1];
      const float s = dot_local(document, Q + (size_t)i * d, d);
      weight = exp(s - row_lse[i]) * (float)(end - begin) * inverse_terms;
      if (holds(j, begin, end, relevant)) weight -= inverse_terms;
    }
    weights[lid] = weight;
    barrier(CLK_LOCAL_MEM_FENCE);
    add_weighted_rows(gradient, weights, min(ROW_GROUP, m - i0), i0, d, Q);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int c = lid; c < d; c += ROW_GROUP) {
    document_gradient[(size_t)j * d + c] = gradient[c] * inverse_temperature;
  }
}
