#ifndef LIMITFIT_CSUMQUERY_H
#define LIMITFIT_CSUMQUERY_H

#include <stdint.h>

/// The inner loop of the exhaustive check of sum queries (LimitFit's SumQueryCheck): over a
/// Gram matrix whose diagonal and padding hold a sentinel far below every score, the best
/// score of any other document for the query x_i + x_j is max_l (M[i][l] + M[j][l]).
///
/// For each of the `row_count` (1 to 4) rows i from `first_row` and each j in
/// [partner_start, partner_end): out[b * (partner_end - partner_start) + j - partner_start] =
/// max over l < stride of M[i][l] + M[j][l], b = i - first_row. Sums wrap; the caller keeps
/// them in range. One pass over row j serves every row i, so the matrix streams once per four
/// rows. Compiled for AVX-512, AVX2 and baseline x86-64, chosen when the program loads.
void limitfit_pair_maxima(const int16_t *matrix, long stride, long first_row, long row_count,
                          long partner_start, long partner_end, int16_t *out);

/// Rows [first_row, first_row + row_count) of the Gram matrix of the n × d integer vectors x
/// (row-major): g[i * n + j] = <x_i, x_j> for every j < n.
void limitfit_gram_rows(const int8_t *x, long n, long d, long first_row, long row_count, int32_t *g);

#endif
