// Z_2^128 kernels of the malicious-mode verification (protocols/rss/malicious/verify-products):
// a vector is two arrays of the same length, the low and the high 64-bit words of each element
// (crypto-core/ring/ring128.ts, type Vec128). Plain loops on unsigned __int128: the compiler
// turns them into mul/umulh and add/adc pairs; the products of the check are 10^4..10^6 elements,
// where these loops run at memory speed.
#include "ring128.h"

namespace ring128 {

namespace {
inline u128 load(const uint64_t* lo, const uint64_t* hi, size_t t) { return (static_cast<u128>(hi[t]) << 64) | lo[t]; }
inline void store(uint64_t* lo, uint64_t* hi, size_t t, u128 x) {
  lo[t] = static_cast<uint64_t>(x);
  hi[t] = static_cast<uint64_t>(x >> 64);
}
}  // namespace

void add(const Vec& a, const Vec& b, const MutVec& out, size_t n) {
  for (size_t t = 0; t < n; t++) store(out.lo, out.hi, t, load(a.lo, a.hi, t) + load(b.lo, b.hi, t));
}

void sub(const Vec& a, const Vec& b, const MutVec& out, size_t n) {
  for (size_t t = 0; t < n; t++) store(out.lo, out.hi, t, load(a.lo, a.hi, t) - load(b.lo, b.hi, t));
}

void neg(const Vec& a, const MutVec& out, size_t n) {
  for (size_t t = 0; t < n; t++) store(out.lo, out.hi, t, static_cast<u128>(0) - load(a.lo, a.hi, t));
}

void mul(const Vec& a, const Vec& b, const MutVec& out, size_t n) {
  for (size_t t = 0; t < n; t++) store(out.lo, out.hi, t, load(a.lo, a.hi, t) * load(b.lo, b.hi, t));
}

void scalar_mul(const Vec& a, u128 s, const MutVec& out, size_t n) {
  for (size_t t = 0; t < n; t++) store(out.lo, out.hi, t, load(a.lo, a.hi, t) * s);
}

void matmul(const Vec& a, const Vec& b, size_t m, size_t k, size_t n, const MutVec& out) {
  std::vector<u128> acc(n);
  for (size_t i = 0; i < m; i++) {
    std::fill(acc.begin(), acc.end(), static_cast<u128>(0));
    for (size_t p = 0; p < k; p++) {
      const u128 x = load(a.lo, a.hi, i * k + p);
      if (x == 0) continue;
      const size_t row = p * n;
      for (size_t j = 0; j < n; j++) acc[j] += x * load(b.lo, b.hi, row + j);
    }
    for (size_t j = 0; j < n; j++) store(out.lo, out.hi, i * n + j, acc[j]);
  }
}

void group_sums(const Vec& a, size_t g, size_t rows, const MutVec& out) {
  for (size_t r = 0; r < rows; r++) {
    u128 s = 0;
    for (size_t t = r * g; t < (r + 1) * g; t++) s += load(a.lo, a.hi, t);
    store(out.lo, out.hi, r, s);
  }
}

void interleave(const Vec& a, uint64_t* words, size_t n) {
  for (size_t t = 0; t < n; t++) {
    words[2 * t] = a.lo[t];
    words[2 * t + 1] = a.hi[t];
  }
}

void deinterleave(const uint64_t* words, const MutVec& out, size_t n) {
  for (size_t t = 0; t < n; t++) {
    out.lo[t] = words[2 * t];
    out.hi[t] = words[2 * t + 1];
  }
}

}  // namespace ring128
