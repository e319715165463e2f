// The score matrix, one block of queries at a time, in register-blocked tiles (tiles.cl):
//   S[r][j] = (Q[row0 + r] · D[j]) / τ   for r < rows, j < n.
// Both operands are read along their rows (contiguous along the depth d); S is written along
// its rows. Work-groups are SCORES_NDIMC × SCORES_MDIMC: dimension 0 over documents, 1 over
// queries.

#define SCORES_MWI (SCORES_MWG / SCORES_MDIMC)
#define SCORES_NWI (SCORES_NWG / SCORES_NDIMC)
#define SCORES_ITEMS (SCORES_MDIMC * SCORES_NDIMC)

__kernel __attribute__((reqd_work_group_size(SCORES_NDIMC, SCORES_MDIMC, 1)))
void scores(const int rows, const int n, const int d, const int row0, const float inverse_temperature,
            __global const float *Q, __global const float *D, __global float *S) {
  const int tn = get_local_id(0);
  const int tm = get_local_id(1);
  const int item = tm * SCORES_NDIMC + tn;
  const int i0 = get_group_id(1) * SCORES_MWG;
  const int j0 = get_group_id(0) * SCORES_NWG;
  __local float query_tile[SCORES_KWG * (SCORES_MWG + 1)];     // [coordinate][query]
  __local float document_tile[SCORES_KWG * (SCORES_NWG + 1)];  // [coordinate][document]
  __global const float *block = Q + (size_t)row0 * d;

  ZERO_ACCUMULATOR(SCORES, total)
  for (int c0 = 0; c0 < d; c0 += SCORES_KWG) {
    load_tile(query_tile, SCORES_MWG, SCORES_KWG, SCORES_MWG + 1, block, d, 1, i0, rows, c0, d, item, SCORES_ITEMS);
    load_tile(document_tile, SCORES_NWG, SCORES_KWG, SCORES_NWG + 1, D, d, 1, j0, n, c0, d, item, SCORES_ITEMS);
    barrier(CLK_LOCAL_MEM_FENCE);
    MULTIPLY_TILES(SCORES, query_tile, document_tile, total)
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  _Pragma("unroll") for (int x = 0; x < SCORES_MWI; ++x) {
    const int i = i0 + tm + x * SCORES_MDIMC;
    _Pragma("unroll") for (int y = 0; y < SCORES_NWI; ++y) {
      const int j = j0 + tn + y * SCORES_NDIMC;
      if (i < rows && j < n) S[(size_t)i * n + j] = total[x][y] * inverse_temperature;
    }
  }
}
