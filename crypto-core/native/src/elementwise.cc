// Elementwise ring operations that need no per-CPU dispatch: additions, bitwise operations and
// shifts are memory-bound, and the baseline SSE2 vectorisation already runs them at memory speed.
// They stay on one thread: splitting 1e6-element additions across both cores measured no faster
// (docs/benchmarks-ring.md), unlike the elementwise products in dispatch.cc.
#include "ring_core.h"

namespace ring {

void add(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  for (size_t i = 0; i < len; i++) out[i] = a[i] + b[i];
}

void sub(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  for (size_t i = 0; i < len; i++) out[i] = a[i] - b[i];
}

void neg(const uint64_t* a, uint64_t* out, size_t len) {
  // Unsigned negation is defined (wraps mod 2^64); signed negation of INT64_MIN would not be.
  for (size_t i = 0; i < len; i++) out[i] = uint64_t(0) - a[i];
}

void bit_xor(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  for (size_t i = 0; i < len; i++) out[i] = a[i] ^ b[i];
}

void bit_and(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  for (size_t i = 0; i < len; i++) out[i] = a[i] & b[i];
}

void shift_left(const uint64_t* a, unsigned bits, uint64_t* out, size_t len) {
  for (size_t i = 0; i < len; i++) out[i] = a[i] << bits;
}

void shift_right_logical(const uint64_t* a, unsigned bits, uint64_t* out, size_t len) {
  for (size_t i = 0; i < len; i++) out[i] = a[i] >> bits;
}

void shift_right_arith(const uint64_t* a, unsigned bits, uint64_t* out, size_t len) {
  // Right shift of a negative int64_t is arithmetic on every compiler we target (and defined so
  // since C++20); the casts are value-preserving two's-complement reinterpretations.
  for (size_t i = 0; i < len; i++) out[i] = uint64_t(int64_t(a[i]) >> bits);
}

}  // namespace ring
