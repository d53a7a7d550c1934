// GR(2^64, 56) kernels (galois.h): schoolbook products into 111 unreduced coefficients, then one
// reduction; a dot product accumulates unreduced and reduces once, since the reduction is
// linear. uint64_t arithmetic wraps, which is the ring's mod 2^64. The bodies (galois_kernels.inc)
// are compiled for baseline x86-64 and, in a `#pragma GCC target` region, for AVX-512, chosen at
// run time like the ring's multiply kernels (dispatch.cc).
#include "galois.h"

#include <cstring>

#include "ring_core.h"

namespace galois {

#define GALOIS_NS g_portable
#include "galois_kernels.inc"
#undef GALOIS_NS

#if (defined(__x86_64__) || defined(__i386__)) && !defined(RING_PORTABLE_ONLY)
#define GALOIS_X86 1
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma", "prefer-vector-width=512")
#endif
#define GALOIS_NS g_avx512
#include "galois_kernels.inc"
#undef GALOIS_NS
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

namespace {
bool use_avx512() {
#ifdef GALOIS_X86
  static const bool yes = ring::best_level() == ring::Level::kAvx512;
  return yes;
#else
  return false;
#endif
}
}  // namespace

void mul(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
#ifdef GALOIS_X86
  if (use_avx512()) return g_avx512::mul(a, b, out, n);
#endif
  g_portable::mul(a, b, out, n);
}

void scale(const uint64_t* a, const uint64_t* s, uint64_t* out, size_t n) {
#ifdef GALOIS_X86
  if (use_avx512()) return g_avx512::scale(a, s, out, n);
#endif
  g_portable::scale(a, s, out, n);
}

void dot(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t n) {
#ifdef GALOIS_X86
  if (use_avx512()) return g_avx512::dot(a, b, out, n);
#endif
  g_portable::dot(a, b, out, n);
}

}  // namespace galois
