// limitfit kernels: definitions shared by every kernel family. The host builds one program
// from this file followed by the family files, with device-specific -D options.
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

// Adam's constants (ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON) and the loss codes (LOSS_INFONCE,
// LOSS_SIGMOID, LOSS_HINGE) come from the host, generated from the Swift definitions
// (OpenCLRuntime.buildOptions), so that the two sides cannot disagree.
#if !defined(ADAM_BETA1) || !defined(ADAM_BETA2) || !defined(ADAM_EPSILON) || !defined(LOSS_INFONCE)
#error "build with the host's options: Adam's constants and the loss codes are -D definitions"
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
