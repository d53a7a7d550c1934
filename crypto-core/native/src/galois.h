// Galois ring GR(2^64, 56) = Z_2^64[X] / (X^56 + X^7 + X^4 + X^2 + 1) (galois.cc), the extension
// ring of the distributed product proof (protocols/rss/malicious/inner-product-proof.ts). An
// element is 56 consecutive 64-bit coefficients, the coefficient of X^j at word j; a vector of
// n elements is 56 n words. Arithmetic on the coefficients wraps mod 2^64.
#pragma once
#include <cstddef>
#include <cstdint>

namespace galois {

constexpr size_t kDegree = 56;

// out_t = a_t * b_t for t < n; out may alias neither input.
void mul(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n);
// out_t = a_t * s for one element s; out may alias neither input.
void scale(const uint64_t* a, const uint64_t* s, uint64_t* out, size_t n);
// out = sum_t a_t * b_t (one element).
void dot(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n);

}  // namespace galois
