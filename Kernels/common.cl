// limitfit kernels: definitions shared by every kernel family. The host builds two programs
// from this file, each followed by family files, with device-specific -D options: one of every
// family but the losses, and one of the losses per loss (losses.cl).
//
// Tuning parameters (each a power of two, set by the host):
//   SCORES_*, GRADIENTS_*  the tiled products' shapes (tiles.cl; from the device's tuning)
//   ROW_GROUP              work-items per query row in the row-wise kernels (softmax, reduction)
//
// Layout: Q is m × d and D is n × d, row-major; a block of the score matrix is rows × n,
// row-major, for the queries row0 … row0 + rows − 1. Indices into matrices are size_t.

#ifndef ROW_GROUP
#define ROW_GROUP 64
#endif

// Adam's constants (ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON) come from the host, generated from
// the Swift definitions (OpenCLRuntime.buildOptions), so that the two sides cannot disagree.
#if !defined(ADAM_BETA1) || !defined(ADAM_BETA2) || !defined(ADAM_EPSILON)
#error "build with the host's options: Adam's constants are -D definitions"
#endif

// Tree reductions over the ROW_GROUP work-items of a work-group, in a fixed order, so that
// results are deterministic. Every work-item gets the result.
#define DEFINE_GROUP_REDUCTION(name, type, combine)                                  \
  type name(type value, __local type *scratch) {                                     \
    const int lid = get_local_id(0);                                                 \
    scratch[lid] = value;                                                            \
    barrier(CLK_LOCAL_MEM_FENCE);                                                    \
    for (int stride = ROW_GROUP / 2; stride > 0; stride >>= 1) {                     \
      if (lid < stride) scratch[lid] = combine(scratch[lid], scratch[lid + stride]); \
      barrier(CLK_LOCAL_MEM_FENCE);                                                  \
    }                                                                                \
    const type result = scratch[0];                                                  \
    barrier(CLK_LOCAL_MEM_FENCE);                                                    \
    return result;                                                                   \
  }

#define ADD(a, b) ((a) + (b))
DEFINE_GROUP_REDUCTION(group_max, float, fmax)
DEFINE_GROUP_REDUCTION(group_sum, float, ADD)
DEFINE_GROUP_REDUCTION(group_sum_int, int, ADD)

float group_min(float value, __local float *scratch) {
  return -group_max(-value, scratch);
}

// Whether document j is relevant; *next walks the sorted ids alongside increasing j.
bool is_relevant(const int j, uint *next, const uint end, __global const int *relevant) {
  while (*next < end && relevant[*next] < j) ++*next;
  return *next < end && relevant[*next] == j;
}

// q · b over d coordinates, q in local memory.
float dot_local(__local const float *a, __global const float *b, const int d) {
  float total = 0.0f;
  for (int c = 0; c < d; ++c) total += a[c] * b[c];
  return total;
}

// The score of document j in a row: read from the row's scores s where the step stores them,
// else recomputed from the query q (already divided by τ) and D (the fused step).
float row_score(const int j, __global const float *s, __local const float *q, __global const float *D,
                const int d) {
  return s ? s[j] : dot_local(q, D + (size_t)j * d, d);
}

// The verdict of a row whose best irrelevant score is best_irrelevant: whether its worst
// relevant score is strictly above it (a tie is not solved). Every work-item of the row's
// group calls it and gets the verdict.
int row_is_solved(const float best_irrelevant, const uint begin, const int count,
                  __global const int *relevant, __global const float *s, __local const float *q,
                  __global const float *D, const int d, __local float *scratch) {
  float worst_relevant = INFINITY;
  for (int a = get_local_id(0); a < count; a += ROW_GROUP) {
    worst_relevant = fmin(worst_relevant, row_score(relevant[begin + a], s, q, D, d));
  }
  return group_min(worst_relevant, scratch) > best_irrelevant;
}

// The row's relevant documents among its top |R| (ties broken by the lower id), for a row that
// is not solved (a solved row finds all |R|): a relevant document is found when fewer than |R|
// documents rank above it. Every work-item of the row's group calls it and gets the count.
int top_hits(const int solved, const int n, const uint begin, const int count,
             __global const int *relevant, __global const float *s, __local const float *q,
             __global const float *D, const int d, __local int *integer_scratch) {
  if (solved) return count;
  const int lid = get_local_id(0);
  int found = 0;
  for (int a = 0; a < count; ++a) {
    const int id = relevant[begin + a];
    const float score = row_score(id, s, q, D, d);
    int ahead = 0;
    for (int j = lid; j < n; j += ROW_GROUP) {
      const float other = row_score(j, s, q, D, d);
      ahead += (other > score) || (other == score && j < id);
    }
    found += group_sum_int(ahead, integer_scratch) < count;
  }
  return found;
}
