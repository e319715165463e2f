#include "CSumQuery.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LIMITFIT_THREAD_SANITIZER 1
#endif
#endif

// One clone per instruction set, chosen at load time by an ifunc resolver. Not under the
// thread sanitizer: it instruments the resolver, which the loader runs before the sanitizer's
// runtime exists (a crash at start-up).
#if defined(__x86_64__) && defined(__clang__) && !defined(LIMITFIT_THREAD_SANITIZER)
#define LEVELS __attribute__((target_clones("avx512bw", "avx2", "default")))
#else
#define LEVELS
#endif

/// max over l of a[l] + b[l], in lanes the compiler vectorises (add and max of 16-bit integers).
static inline int16_t largest_sum(const int16_t *restrict a, const int16_t *restrict b, long count) {
  int16_t best = INT16_MIN;
  for (long l = 0; l < count; l++) {
    int16_t sum = (int16_t)(a[l] + b[l]);
    best = sum > best ? sum : best;
  }
  return best;
}

LEVELS
void limitfit_pair_maxima(const int16_t *matrix, long stride, long first_row, long row_count,
                          long partner_start, long partner_end, int16_t *out) {
  long partners = partner_end - partner_start;
  // Blocks of columns that stay in the first-level cache while every partner row passes.
  const long block = 2048;
  for (long b = 0; b < row_count; b++)
    for (long j = 0; j < partners; j++) out[b * partners + j] = INT16_MIN;
  for (long start = 0; start < stride; start += block) {
    long count = stride - start < block ? stride - start : block;
    for (long j = partner_start; j < partner_end; j++) {
      const int16_t *partner = matrix + j * stride + start;
      for (long b = 0; b < row_count; b++) {
        int16_t best = largest_sum(matrix + (first_row + b) * stride + start, partner, count);
        int16_t *slot = out + b * partners + (j - partner_start);
        if (best > *slot) *slot = best;
      }
    }
  }
}

LEVELS
void limitfit_gram_rows(const int8_t *x, long n, long d, long first_row, long row_count, int32_t *g) {
  for (long i = first_row; i < first_row + row_count; i++) {
    const int8_t *row = x + i * d;
    for (long j = 0; j < n; j++) {
      const int8_t *other = x + j * d;
      int32_t sum = 0;
      for (long c = 0; c < d; c++) sum += (int32_t)row[c] * (int32_t)other[c];
      g[i * n + j] = sum;
    }
  }
}
