// The two gradient products of one block of queries, in register-blocked tiles (tiles.cl),
// from the block's score gradient G (rows × n, written by row_losses in losses.cl):
//   query_gradient:     ∇Q[row0 + r][c] = Σ_j G[r][j] · D[j][c] / τ
//   document_gradient:  P[p][j][c] = Σ_{r in part p} G[r][j] · Q[row0 + r][c]
//   sum_document_gradient: ∇D[j][c] (+)= Σ_p P[p][j][c] / τ
// ∇Q has a row per query, so its tiles fill the device. ∇D has only n × d outputs, each a sum
// over every query of the block: its depth is split into parts, one partial sum each (the
// work-group's third dimension), which the sum kernel adds in part order — every element owned
// by one work-item, a deterministic reduction with no atomics. It adds each block to the
// earlier blocks' sum (accumulate ≠ 0), in block order.
// Work-groups are GRADIENTS_NDIMC × GRADIENTS_MDIMC; dimension 0 runs over coordinates c, whose
// rows are contiguous in D, Q, ∇Q and ∇D, so loads and stores along it are coalesced.

#define GRADIENTS_MWI (GRADIENTS_MWG / GRADIENTS_MDIMC)
#define GRADIENTS_NWI (GRADIENTS_NWG / GRADIENTS_NDIMC)
#define GRADIENTS_ITEMS (GRADIENTS_MDIMC * GRADIENTS_NDIMC)

__kernel __attribute__((reqd_work_group_size(GRADIENTS_NDIMC, GRADIENTS_MDIMC, 1)))
void query_gradient(const int rows, const int n, const int d, const int row0,
                    const float inverse_temperature, __global const float *G,
                    __global const float *D, __global float *query_gradient) {
  const int tn = get_local_id(0);
  const int tm = get_local_id(1);
  const int item = tm * GRADIENTS_NDIMC + tn;
  const int c0 = get_group_id(0) * GRADIENTS_NWG;
  const int i0 = get_group_id(1) * GRADIENTS_MWG;
  __local float gradient_tile[GRADIENTS_KWG * (GRADIENTS_MWG + 1)];  // [document][query]
  __local float document_tile[GRADIENTS_KWG * (GRADIENTS_NWG + 1)];  // [document][coordinate]

  ZERO_ACCUMULATOR(GRADIENTS, total)
  for (int j0 = 0; j0 < n; j0 += GRADIENTS_KWG) {
    // G's rows run along the depth (documents); D's along the output (coordinates).
    load_tile(gradient_tile, GRADIENTS_MWG, GRADIENTS_KWG, GRADIENTS_MWG + 1, G, n, 1, i0, rows, j0, n,
              item, GRADIENTS_ITEMS);
    load_tile(document_tile, GRADIENTS_NWG, GRADIENTS_KWG, GRADIENTS_NWG + 1, D, 1, d, c0, d, j0, n,
              item, GRADIENTS_ITEMS);
    barrier(CLK_LOCAL_MEM_FENCE);
    MULTIPLY_TILES(GRADIENTS, gradient_tile, document_tile, total)
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  _Pragma("unroll") for (int x = 0; x < GRADIENTS_MWI; ++x) {
    const int i = i0 + tm + x * GRADIENTS_MDIMC;
    _Pragma("unroll") for (int y = 0; y < GRADIENTS_NWI; ++y) {
      const int c = c0 + tn + y * GRADIENTS_NDIMC;
      if (i < rows && c < d) query_gradient[(size_t)(row0 + i) * d + c] = total[x][y] * inverse_temperature;
    }
  }
}

// Part p sums the block's queries p·part_rows … (p + 1)·part_rows − 1 (part_rows a multiple of
// GRADIENTS_KWG) into partial[p].
__kernel __attribute__((reqd_work_group_size(GRADIENTS_NDIMC, GRADIENTS_MDIMC, 1)))
void document_gradient(const int rows, const int n, const int d, const int row0, const int part_rows,
                       __global const float *G, __global const float *Q, __global float *partial) {
  const int tn = get_local_id(0);
  const int tm = get_local_id(1);
  const int item = tm * GRADIENTS_NDIMC + tn;
  const int c0 = get_group_id(0) * GRADIENTS_NWG;
  const int j0 = get_group_id(1) * GRADIENTS_MWG;
  const int part = get_group_id(2);
  const int first = part * part_rows;
  const int end = min(first + part_rows, rows);
  __local float gradient_tile[GRADIENTS_KWG * (GRADIENTS_MWG + 1)];  // [query][document]
  __local float query_tile[GRADIENTS_KWG * (GRADIENTS_NWG + 1)];     // [query][coordinate]
  __global const float *block = Q + (size_t)row0 * d;

  ZERO_ACCUMULATOR(GRADIENTS, total)
  for (int i0 = first; i0 < end; i0 += GRADIENTS_KWG) {
    // Both G's and Q's rows run along the output (documents, coordinates); the depth is queries.
    load_tile(gradient_tile, GRADIENTS_MWG, GRADIENTS_KWG, GRADIENTS_MWG + 1, G, 1, n, j0, n, i0, end,
              item, GRADIENTS_ITEMS);
    load_tile(query_tile, GRADIENTS_NWG, GRADIENTS_KWG, GRADIENTS_NWG + 1, block, 1, d, c0, d, i0, end,
              item, GRADIENTS_ITEMS);
    barrier(CLK_LOCAL_MEM_FENCE);
    MULTIPLY_TILES(GRADIENTS, gradient_tile, query_tile, total)
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  __global float *out = partial + (size_t)part * n * d;
  _Pragma("unroll") for (int x = 0; x < GRADIENTS_MWI; ++x) {
    const int j = j0 + tm + x * GRADIENTS_MDIMC;
    _Pragma("unroll") for (int y = 0; y < GRADIENTS_NWI; ++y) {
      const int c = c0 + tn + y * GRADIENTS_NDIMC;
      if (j < n && c < d) out[(size_t)j * d + c] = total[x][y];
    }
  }
}

__kernel void sum_document_gradient(const int n, const int d, const int parts, const float inverse_temperature,
                                    const int accumulate, __global const float *partial,
                                    __global float *document_gradient) {
  const size_t count = (size_t)n * d;
  const size_t index = get_global_id(0);
  if (index >= count) return;
  float total = 0.0f;
  for (int part = 0; part < parts; ++part) total += partial[(size_t)part * count + index];
  const float block = total * inverse_temperature;
  document_gradient[index] = accumulate ? document_gradient[index] + block : block;
}
