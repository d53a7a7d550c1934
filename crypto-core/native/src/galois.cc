// GR(2^64, 56) kernels (galois.h). Schoolbook products into 111 unreduced coefficients, then one
// reduction by X^56 = -(X^7 + X^4 + X^2 + 1); a dot product accumulates unreduced and reduces
// once, since the reduction is linear. uint64_t arithmetic wraps, which is the ring's mod 2^64.
#include "galois.h"

#include <cstring>

namespace galois {

namespace {

constexpr size_t kWide = 2 * kDegree - 1;

inline void mul_acc(const uint64_t* a, const uint64_t* b, uint64_t* acc) {
  for (size_t i = 0; i < kDegree; i++) {
    const uint64_t x = a[i];
    if (x == 0) continue;
    uint64_t* row = acc + i;
    for (size_t j = 0; j < kDegree; j++) row[j] += x * b[j];
  }
}

// Reduces acc (kWide coefficients) in place and copies the low kDegree into out.
inline void reduce(uint64_t* acc, uint64_t* out) {
  for (size_t j = kWide - 1; j >= kDegree; j--) {
    const uint64_t v = acc[j];
    const size_t base = j - kDegree;
    acc[base] -= v;
    acc[base + 2] -= v;
    acc[base + 4] -= v;
    acc[base + 7] -= v;
  }
  std::memcpy(out, acc, kDegree * sizeof(uint64_t));
}

}  // namespace

void mul(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  uint64_t acc[kWide];
  for (size_t t = 0; t < n; t++) {
    std::memset(acc, 0, sizeof(acc));
    mul_acc(a + t * kDegree, b + t * kDegree, acc);
    reduce(acc, out + t * kDegree);
  }
}

void scale(const uint64_t* a, const uint64_t* s, uint64_t* out, size_t n) {
  uint64_t acc[kWide];
  for (size_t t = 0; t < n; t++) {
    std::memset(acc, 0, sizeof(acc));
    mul_acc(s, a + t * kDegree, acc);
    reduce(acc, out + t * kDegree);
  }
}

void dot(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
  uint64_t acc[kWide];
  std::memset(acc, 0, sizeof(acc));
  for (size_t t = 0; t < n; t++) mul_acc(a + t * kDegree, b + t * kDegree, acc);
  reduce(acc, out);
}

}  // namespace galois
