// The two gradient products of one block of queries, tiled through local memory, from the
// block's score gradient G (rows × n, written by row_losses in losses.cl):
//   query_gradient:     ∇Q[row0 + r][c] = Σ_j G[r][j] · D[j][c] / τ
//   document_gradient:  ∇D[j][c] (+)= Σ_r G[r][j] · Q[row0 + r][c] / τ
// The document gradient adds each block to the previous ones (accumulate ≠ 0) in block
// order, each element owned by one work-item: a deterministic reduction with no atomics.
// Work-groups are TILE × TILE; dimension 0 runs over coordinates c.

__kernel __attribute__((reqd_work_group_size(TILE, TILE, 1)))
void query_gradient(const int rows, const int n, const int d, const int row0,
                    const float inverse_temperature, __global const float *G,
                    __global const float *D, __global float *query_gradient) {
  const int tc = get_local_id(0);
  const int ti = get_local_id(1);
  const int c = get_group_id(0) * TILE + tc;
  const int i = get_group_id(1) * TILE + ti;
  __local float gradient_tile[TILE][TILE + 1];  // [query][document]
  __local float document_tile[TILE][TILE + 1];  // [document][coordinate]

  float total = 0.0f;
  for (int j0 = 0; j0 < n; j0 += TILE) {
    gradient_tile[ti][tc] = (i < rows && j0 + tc < n) ? G[(size_t)i * n + j0 + tc] : 0.0f;
    document_tile[ti][tc] = (j0 + ti < n && c < d) ? D[(size_t)(j0 + ti) * d + c] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int jj = 0; jj < TILE; ++jj) total += gradient_tile[ti][jj] * document_tile[jj][tc];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (i < rows && c < d) query_gradient[(size_t)(row0 + i) * d + c] = total * inverse_temperature;
}

__kernel __attribute__((reqd_work_group_size(TILE, TILE, 1)))
void document_gradient(const int rows, const int n, const int d, const int row0,
                       const float inverse_temperature, const int accumulate,
                       __global const float *G, __global const float *Q,
                       __global float *document_gradient) {
  const int tc = get_local_id(0);
  const int tj = get_local_id(1);
  const int c = get_group_id(0) * TILE + tc;
  const int j0 = get_group_id(1) * TILE;
  const int j = j0 + tj;
  __local float gradient_tile[TILE][TILE + 1];  // [query][document]
  __local float query_tile[TILE][TILE + 1];     // [query][coordinate]

  float total = 0.0f;
  for (int i0 = 0; i0 < rows; i0 += TILE) {
    gradient_tile[tj][tc] = (i0 + tj < rows && j0 + tc < n) ? G[(size_t)(i0 + tj) * n + j0 + tc] : 0.0f;
    query_tile[tj][tc] = (i0 + tj < rows && c < d) ? Q[(size_t)(row0 + i0 + tj) * d + c] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int ii = 0; ii < TILE; ++ii) total += gradient_tile[ii][tj] * query_tile[ii][tc];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (j < n && c < d) {
    const size_t index = (size_t)j * d + c;
    const float block = total * inverse_temperature;
    document_gradient[index] = accumulate ? document_gradient[index] + block : block;
  }
}
