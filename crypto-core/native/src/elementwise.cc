// Elementwise ring operations that need no per-CPU dispatch: additions, bitwise operations and
// shifts are memory-bound, and the baseline SSE2 vectorisation already runs them at memory speed
// (large vectors are split across cores, which adds memory bandwidth).
#include "parallel.h"
#include "ring_core.h"

namespace ring {

void add(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  split_elementwise(len, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = a[i] + b[i];
  });
}

void sub(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  split_elementwise(len, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = a[i] - b[i];
  });
}

void neg(const uint64_t* a, uint64_t* out, size_t len) {
  // Unsigned negation is defined (wraps mod 2^64); signed negation of INT64_MIN would not be.
  split_elementwise(len, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = uint64_t(0) - a[i];
  });
}

void bit_xor(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  split_elementwise(len, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = a[i] ^ b[i];
  });
}

void bit_and(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  split_elementwise(len, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = a[i] & b[i];
  });
}

void shift_left(const uint64_t* a, unsigned bits, uint64_t* out, size_t len) {
  split_elementwise(len, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = a[i] << bits;
  });
}

void shift_right_logical(const uint64_t* a, unsigned bits, uint64_t* out, size_t len) {
  split_elementwise(len, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = a[i] >> bits;
  });
}

void shift_right_arith(const uint64_t* a, unsigned bits, uint64_t* out, size_t len) {
  // Right shift of a negative int64_t is arithmetic on every compiler we target (and defined so
  // since C++20); the casts are value-preserving two's-complement reinterpretations.
  split_elementwise(len, [=](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = uint64_t(int64_t(a[i]) >> bits);
  });
}

}  // namespace ring
