// The loss of one block of queries, row by row; one work-group of ROW_GROUP work-items per
// query row. For query i = row0 + r with relevant documents R_i (sorted ids
// relevant[offsets[i] .. offsets[i+1]]), from its scores S[r][·] it writes
//   row_loss[i]           its share of the summed loss (the loss is the sum / loss terms)
//   row_solved[i]         min_{j∈R_i} S_ij > max_{l∉R_i} S_il (ties are not solved)
//   row_found[i]          relevant documents among the top |R_i| (ties broken by lower id)
//   row_bias_gradient[i]  Σ_j ∂L/∂S_ij (the learned bias's gradient; 0 for a loss without one)
// and replaces the scores with ∂L/∂S, in place.
//
// The host builds this file (after common.cl) once per loss, with the loss's definition
// (Loss.kernelDefinition), so that the program for a fit holds only its loss
// (inverse_terms = 1 / Loss.terms):
//   LOSS_INFONCE  Σ_{j∈R_i} (lse_i − S_ij);           G_ij = (|R_i| softmax_ij − A_ij) / P
//   LOSS_SIGMOID  Σ_j softplus(z_ij) − A_ij z_ij, z = S + bias;  G_ij = (σ(z_ij) − A_ij) / (m n)
//   LOSS_HINGE    Σ_{r∈R_i, l∉R_i} max(0, margin − S_ir + S_il); each active pair adds
//                 −1/T to G_ir and +1/T to G_il (at most MAX_RELEVANT relevant per query,
//                 Loss.kernelRelevantLimit)

#if defined(LOSS_HINGE) && !defined(MAX_RELEVANT)
#error "build with the host's options: MAX_RELEVANT is Loss.kernelRelevantLimit"
#endif

__kernel __attribute__((reqd_work_group_size(ROW_GROUP, 1, 1)))
void row_losses(const int n, const int row0, const float inverse_terms,
                const float bias, const float margin,
                __global const uint *offsets, __global const int *relevant,
                __global float *S, __global float *row_loss, __global int *row_solved,
                __global int *row_found, __global float *row_bias_gradient) {
  const int lid = get_local_id(0);
  const int i = row0 + get_group_id(0);
  __global float *s = S + (size_t)get_group_id(0) * n;
  const uint begin = offsets[i];
  const uint end = offsets[i + 1];
  const int count = (int)(end - begin);
  __local float scratch[ROW_GROUP];
  __local int integer_scratch[ROW_GROUP];
#if defined(LOSS_HINGE)
  __local float relevant_scores[MAX_RELEVANT];
  __local int relevant_active[MAX_RELEVANT];
#endif

  // The verdict: the best irrelevant score against the worst relevant one.
  float best_irrelevant = -INFINITY;
  float maximum = -INFINITY;
  uint next = begin;
  for (int j = lid; j < n; j += ROW_GROUP) {
    maximum = fmax(maximum, s[j]);
    if (!is_relevant(j, &next, end, relevant)) best_irrelevant = fmax(best_irrelevant, s[j]);
  }
  best_irrelevant = group_max(best_irrelevant, scratch);
  maximum = group_max(maximum, scratch);
  const int solved = row_is_solved(best_irrelevant, begin, count, relevant, s, 0, 0, 0, scratch);
  const int found = top_hits(solved, n, begin, count, relevant, s, 0, 0, 0, integer_scratch);

  // Each work-item's share of the row's loss and bias gradient.
  float loss = 0.0f;
  float bias_gradient = 0.0f;
#if defined(LOSS_INFONCE)
  {
    float total = 0.0f;
    for (int j = lid; j < n; j += ROW_GROUP) total += exp(s[j] - maximum);
    total = group_sum(total, scratch);
    const float log_sum_exp = maximum + log(total);
    if (lid == 0) {
      for (int a = 0; a < count; ++a) loss += log_sum_exp - s[relevant[begin + a]];
    }
    barrier(CLK_GLOBAL_MEM_FENCE);  // every score is read before any is overwritten
    const float scale = (float)count * inverse_terms / total;
    next = begin;
    for (int j = lid; j < n; j += ROW_GROUP) {
      const float gradient = exp(s[j] - maximum) * scale;
      s[j] = is_relevant(j, &next, end, relevant) ? gradient - inverse_terms : gradient;
    }
  }
#elif defined(LOSS_SIGMOID)
  {
    barrier(CLK_GLOBAL_MEM_FENCE);
    next = begin;
    for (int j = lid; j < n; j += ROW_GROUP) {
      const float z = s[j] + bias;
      const float e = exp(-fabs(z));
      const bool is_positive = is_relevant(j, &next, end, relevant);
      loss += fmax(z, 0.0f) + log(1.0f + e) - (is_positive ? z : 0.0f);
      const float gradient = ((z >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e)) - (is_positive ? 1.0f : 0.0f)) * inverse_terms;
      bias_gradient += gradient;
      s[j] = gradient;
    }
  }
#elif defined(LOSS_HINGE)
  {
    for (int a = lid; a < count; a += ROW_GROUP) relevant_scores[a] = s[relevant[begin + a]];
    barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
    // Per relevant document: the irrelevant ones within the margin, and their loss.
    for (int a = 0; a < count; ++a) {
      const float threshold = relevant_scores[a] - margin;
      int active = 0;
      next = begin;
      for (int j = lid; j < n; j += ROW_GROUP) {
        // Written so that a NaN score counts, making the loss NaN: a diverged fit is caught.
        if (!is_relevant(j, &next, end, relevant) && !(s[j] <= threshold)) {
          active += 1;
          loss += s[j] - threshold;
        }
      }
      active = group_sum_int(active, integer_scratch);
      if (lid == 0) relevant_active[a] = active;
    }
    barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
    next = begin;
    for (int j = lid; j < n; j += ROW_GROUP) {
      if (is_relevant(j, &next, end, relevant)) {
        s[j] = -(float)relevant_active[next - begin] * inverse_terms;
      } else {
        int above = 0;
        for (int a = 0; a < count; ++a) above += s[j] > relevant_scores[a] - margin;
        s[j] = (float)above * inverse_terms;
      }
    }
  }
#else
#error "build with the host's options: the loss is a -D definition (Loss.kernelDefinition)"
#endif
  loss = group_sum(loss, scratch);
  bias_gradient = group_sum(bias_gradient, scratch);
  if (lid == 0) {
    row_loss[i] = loss;
    row_solved[i] = solved;
    row_found[i] = found;
    row_bias_gradient[i] = bias_gradient;
  }
}
