// Register-blocked tiled products, the machinery the score and gradient kernels share.
//
// A product C = A·Bᵀ over a depth K is computed in work-group tiles of MWG × NWG outputs. The
// work-group is NDIMC × MDIMC work-items (dimension 0 along C's columns, so that neighbouring
// work-items write neighbouring addresses), and each work-item holds MWI × NWI outputs in
// registers: rows tm + x·MDIMC, columns tn + y·NDIMC (strided, so that the work-items of a warp
// read consecutive local-memory words). The depth is walked KWG at a time: both operands' tiles
// are staged in local memory, then every work-item multiplies its MWI values of A by its NWI
// values of B at each depth — MWI·NWI multiply-adds for MWI + NWI local reads, where the
// one-output-per-work-item tile took two reads per multiply-add.
//
// The tile parameters come from the host per kernel family (SCORES_* for S = Q Dᵀ, GRADIENTS_*
// for ∇Q = G D and ∇D = Gᵀ Q), from the device's tuning or its family's defaults
// (TileParameters.swift). Each is a power of two; MWG is a multiple of MDIMC, NWG of NDIMC.

// Copies the width × depth block of operand X at rows r0 …, depths k0 … into tile[k][r] (a
// row of padded_width floats per depth: the extra word keeps the stores of a warp in distinct
// banks when they walk the depth). X(r, k) = X[r · row_stride + k · depth_stride]; elements at
// r ≥ rows or k ≥ depths are zero. Neighbouring work-items read neighbouring addresses, along
// whichever axis of X is contiguous: that coalesces the loads for every layout the products
// read (rows of Q, D and G are contiguous along the depth in some products and along the
// output in others).
inline void load_tile(__local float *tile, const int width, const int depth, const int padded_width,
                      __global const float *X, const size_t row_stride, const size_t depth_stride,
                      const int r0, const int rows, const int k0, const int depths,
                      const int item, const int items) {
  const bool along_depth = depth_stride == 1;
  for (int e = item; e < width * depth; e += items) {
    const int r = along_depth ? e / depth : e % width;
    const int k = along_depth ? e % depth : e / width;
    const int row = r0 + r;
    const int at = k0 + k;
    tile[k * padded_width + r] =
        (row < rows && at < depths) ? X[(size_t)row * row_stride + (size_t)at * depth_stride] : 0.0f;
  }
}

// accumulator[x][y] += Σ_k a_tile[k][tm + x·MDIMC] · b_tile[k][tn + y·NDIMC], for the tile
// parameters of family P. A macro, not a function, so that the accumulator stays a private
// array of compile-time size, which compilers keep in registers.
#define MULTIPLY_TILES(P, a_tile, b_tile, accumulator)                                    \
  for (int k = 0; k < P##_KWG; ++k) {                                                     \
    float a[P##_MWI], b[P##_NWI];                                                         \
    _Pragma("unroll") for (int x = 0; x < P##_MWI; ++x)                                   \
      a[x] = a_tile[k * (P##_MWG + 1) + tm + x * P##_MDIMC];                              \
    _Pragma("unroll") for (int y = 0; y < P##_NWI; ++y)                                   \
      b[y] = b_tile[k * (P##_NWG + 1) + tn + y * P##_NDIMC];                              \
    _Pragma("unroll") for (int x = 0; x < P##_MWI; ++x)                                   \
      _Pragma("unroll") for (int y = 0; y < P##_NWI; ++y)                                 \
        accumulator[x][y] = fma(a[x], b[y], accumulator[x][y]);                           \
  }

#define ZERO_ACCUMULATOR(P, accumulator)                          \
  float accumulator[P##_MWI][P##_NWI];                            \
  _Pragma("unroll") for (int x = 0; x < P##_MWI; ++x)             \
    _Pragma("unroll") for (int y = 0; y < P##_NWI; ++y) accumulator[x][y] = 0.0f;
