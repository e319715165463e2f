// The score matrix, one block of queries at a time, tiled through local memory:
//   S[r][j] = (Q[row0 + r] · D[j]) / τ   for r < rows, j < n.
// Work-groups are TILE × TILE: dimension 0 runs over documents, dimension 1 over queries.

__kernel __attribute__((reqd_work_group_size(TILE, TILE, 1)))
void scores(const int rows, const int n, const int d, const int row0, const float inverse_temperature,
            __global const float *Q, __global const float *D, __global float *S) {
  const int tj = get_local_id(0);
  const int ti = get_local_id(1);
  const int j0 = get_group_id(0) * TILE;
  const int i0 = get_group_id(1) * TILE;
  __local float query_tile[TILE][TILE + 1];     // [query][coordinate]
  __local float document_tile[TILE][TILE + 1];  // [document][coordinate]

  float total = 0.0f;
  for (int c0 = 0; c0 < d; c0 += TILE) {
    const int c = c0 + tj;
    query_tile[ti][tj] = (i0 + ti < rows && c < d) ? Q[(size_t)(row0 + i0 + ti) * d + c] : 0.0f;
    document_tile[ti][tj] = (j0 + ti < n && c < d) ? D[(size_t)(j0 + ti) * d + c] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int cc = 0; cc < TILE; ++cc) total += query_tile[ti][cc] * document_tile[tj][cc];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (i0 + ti < rows && j0 + tj < n) S[(size_t)(i0 + ti) * n + j0 + tj] = total * inverse_temperature;
}
