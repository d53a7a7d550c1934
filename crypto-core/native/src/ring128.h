// Z_2^128 vector kernels (ring128.cc); a vector is its low and high 64-bit words.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ring128 {

using u128 = unsigned __int128;

struct Vec {
  const uint64_t* lo;
  const uint64_t* hi;
};

struct MutVec {
  uint64_t* lo;
  uint64_t* hi;
};

void add(const Vec& a, const Vec& b, const MutVec& out, size_t n);
void sub(const Vec& a, const Vec& b, const MutVec& out, size_t n);
void neg(const Vec& a, const MutVec& out, size_t n);
void mul(const Vec& a, const Vec& b, const MutVec& out, size_t n);
void scalar_mul(const Vec& a, u128 s, const MutVec& out, size_t n);
// Row-major a (m x k) times b (k x n) into out (m x n); out must not overlap a or b.
void matmul(const Vec& a, const Vec& b, size_t m, size_t k, size_t n, const MutVec& out);
void group_sums(const Vec& a, size_t g, size_t rows, const MutVec& out);
void interleave(const Vec& a, uint64_t* words, size_t n);
void deinterleave(const uint64_t* words, const MutVec& out, size_t n);

}  // namespace ring128
