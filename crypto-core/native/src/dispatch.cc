// Runtime dispatch of the multiply kernels (kernels.inc compiled once per instruction-set
// level), the thread split of large matrix products, and the fused replicated-product step.
//
// The binary is built for baseline x86-64 (never -march=native) so that it runs on any x86-64;
// the AVX2 and AVX-512 versions live in `#pragma GCC target` regions and are only called after
// __builtin_cpu_supports has confirmed the CPU (and the OS, via XCR0) supports them. Off x86 only
// the portable versions are compiled.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <vector>

#include "parallel.h"
#include "ring_core.h"

namespace ring {
namespace {

// A 64-byte aligned scratch buffer (packed panels), so vector loads never split cache lines.
template <typename T>
struct AlignedBuffer {
  T* data;
  explicit AlignedBuffer(size_t count) {
    size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
    data = static_cast<T*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
    if (data == nullptr) throw std::bad_alloc();
  }
  ~AlignedBuffer() { std::free(data); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
};

}  // namespace

// Scalar: one-lane "vectors", and no auto-vectorisation, so this is plain 64-bit imul. It is
// kept to measure SIMD against (ring.simdReport in the benchmark).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-tree-vectorize", "no-tree-slp-vectorize")
#endif
#define KERNEL_NS k_scalar
#define KERNEL_VB 8
#define KERNEL_MR 4
#define KERNEL_NRV 3
#include "kernels.inc"
#undef KERNEL_NS
#undef KERNEL_VB
#undef KERNEL_MR
#undef KERNEL_NRV
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

// Baseline: 16-byte vectors (SSE2 on x86-64, NEON/other on other architectures).
#define KERNEL_NS k_sse2
#define KERNEL_VB 16
#define KERNEL_MR 4
#define KERNEL_NRV 2
#include "kernels.inc"
#undef KERNEL_NS
#undef KERNEL_VB
#undef KERNEL_MR
#undef KERNEL_NRV

// RING_PORTABLE_ONLY builds only the portable kernels, as on a non-x86 machine (to check that
// path compiles and passes the parity tests on an x86 build host).
#if (defined(__x86_64__) || defined(__i386__)) && !defined(RING_PORTABLE_ONLY)
#define RING_X86 1

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#define KERNEL_NS k_avx2
#define KERNEL_VB 32
#define KERNEL_MR 4
#define KERNEL_NRV 2
#include "kernels.inc"
#undef KERNEL_NS
#undef KERNEL_VB
#undef KERNEL_MR
#undef KERNEL_NRV
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma", "prefer-vector-width=512")
#endif
#define KERNEL_NS k_avx512
#define KERNEL_VB 64
#define KERNEL_MR 8
#define KERNEL_NRV 2
#include "kernels.inc"
#undef KERNEL_NS
#undef KERNEL_VB
#undef KERNEL_MR
#undef KERNEL_NRV
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif  // x86

namespace {

Level detect_best() {
#ifdef RING_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    return Level::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Level::kAvx2;
#endif
  // Without AVX2, 16-byte vectors lose to plain imul: SSE2 (and NEON) have no 64-bit lane
  // multiply and the three-pmuludq emulation costs more than it gains (docs/benchmarks-ring.md).
  return Level::kScalar;
}

Level resolve(Level level) {
  if (level == Level::kAuto) return best_level();
  // An unsupported explicit level degrades to the best supported one rather than faulting.
  return level_supported(level) ? level : best_level();
}

// One kernel set: function pointers of one level.
struct Kernels {
  void (*gemm_u64)(size_t, size_t, size_t, const uint64_t*, size_t, const uint64_t*, size_t, uint64_t*, size_t);
  void (*gemm_f64)(size_t, size_t, size_t, const double*, size_t, const double*, size_t, double*, size_t);
  void (*mul)(const uint64_t*, const uint64_t*, uint64_t*, size_t);
  void (*scalar_mul)(const uint64_t*, uint64_t, uint64_t*, size_t);
  void (*fused_mul)(const uint64_t*, const uint64_t*, const uint64_t*, const uint64_t*, const uint64_t*, uint64_t*,
                    size_t);
  size_t mr;  // micro-tile rows: thread chunks are multiples of it
  size_t nr;  // micro-tile columns
};

#define RING_KERNELS(ns) \
  Kernels { ns::gemm_u64, ns::gemm_f64, ns::mul_u64, ns::scalar_mul_u64, ns::fused_mul_u64, ns::Gemm<uint64_t>::MR, ns::Gemm<uint64_t>::NR }

const Kernels& kernels(Level level) {
  static const Kernels scalar = RING_KERNELS(k_scalar);
  static const Kernels sse2 = RING_KERNELS(k_sse2);
#ifdef RING_X86
  static const Kernels avx2 = RING_KERNELS(k_avx2);
  static const Kernels avx512 = RING_KERNELS(k_avx512);
#endif
  switch (resolve(level)) {
    case Level::kScalar:
      return scalar;
#ifdef RING_X86
    case Level::kAvx2:
      return avx2;
    case Level::kAvx512:
      return avx512;
#endif
    default:
      return sse2;
  }
}

// Runs f(i0, i1, j0, j1) over the m x n output cut into row (or, for wide outputs, column)
// blocks aligned to the micro-tile, one block per thread when the product is large. One block
// per thread, not more: each block re-packs its share of the other operand, and with smaller
// blocks a packed panel is reused by too few micro-tiles (measured: 64x784x128 took 0.19 ms in
// two blocks, 0.25 ms in eight handed out dynamically, on a loaded 2-core machine).
template <typename F>
void split_output(size_t m, size_t n, uint64_t work, const Kernels& ks, F f) {
  const size_t threads = work < kThreadMinWork ? 1 : max_threads();
  const bool byRows = m >= n;
  const size_t extent = byRows ? m : n;
  const size_t align = byRows ? ks.mr : ks.nr;
  const size_t tiles = (extent + align - 1) / align;
  const size_t parts = std::max<size_t>(1, std::min(tiles, threads));
  run_parts(parts, threads, [&](size_t p) {
    const size_t lo = std::min(extent, (tiles * p / parts) * align);
    const size_t hi = std::min(extent, (tiles * (p + 1) / parts) * align);
    if (lo == hi) return;
    if (byRows) {
      f(lo, hi, size_t(0), n);
    } else {
      f(size_t(0), m, lo, hi);
    }
  });
}

}  // namespace

Level best_level() {
  static const Level best = detect_best();
  return best;
}

bool level_supported(Level level) {
  switch (level) {
    case Level::kAuto:
    case Level::kScalar:
    case Level::kSse2:
      return true;
    case Level::kAvx2:
      return best_level() == Level::kAvx2 || best_level() == Level::kAvx512;
    case Level::kAvx512:
      return best_level() == Level::kAvx512;
  }
  return false;
}

const char* level_name(Level level) {
  switch (resolve(level)) {
    case Level::kScalar:
      return "scalar";
    case Level::kAvx2:
      return "avx2";
    case Level::kAvx512:
      return "avx512";
    default:
#ifdef RING_X86
      return "sse2";
#else
      return "generic";
#endif
  }
}

void matmul_u64(Level level, size_t m, size_t k, size_t n, const uint64_t* a, const uint64_t* b, uint64_t* out) {
  const Kernels& ks = kernels(level);
  if (m * n > 0) std::memset(out, 0, m * n * sizeof(uint64_t));
  split_output(m, n, uint64_t(m) * k * n, ks, [&](size_t i0, size_t i1, size_t j0, size_t j1) {
    ks.gemm_u64(i1 - i0, j1 - j0, k, a + i0 * k, k, b + j0, n, out + i0 * n + j0, n);
  });
}

void fused_matmul_u64(Level level, size_t m, size_t k, size_t n, const uint64_t* xi, const uint64_t* xi1,
                      const uint64_t* yi, const uint64_t* yi1, const uint64_t* alpha, uint64_t* out) {
  const Kernels& ks = kernels(level);
  // xi@yi + xi@yi1 + xi1@yi = xi@(yi + yi1) + xi1@yi: two products instead of three.
  std::vector<uint64_t> ysum(k * n);
  add(yi, yi1, ysum.data(), k * n);
  if (out != alpha && m * n > 0) std::memcpy(out, alpha, m * n * sizeof(uint64_t));
  split_output(m, n, 2 * uint64_t(m) * k * n, ks, [&](size_t i0, size_t i1, size_t j0, size_t j1) {
    uint64_t* o = out + i0 * n + j0;
    ks.gemm_u64(i1 - i0, j1 - j0, k, xi + i0 * k, k, ysum.data() + j0, n, o, n);
    ks.gemm_u64(i1 - i0, j1 - j0, k, xi1 + i0 * k, k, yi + j0, n, o, n);
  });
}

void matmul_f64(Level level, size_t m, size_t k, size_t n, const double* a, const double* b, double* out) {
  const Kernels& ks = kernels(level);
  std::fill(out, out + m * n, 0.0);
  split_output(m, n, uint64_t(m) * k * n, ks, [&](size_t i0, size_t i1, size_t j0, size_t j1) {
    ks.gemm_f64(i1 - i0, j1 - j0, k, a + i0 * k, k, b + j0, n, out + i0 * n + j0, n);
  });
}

void mul(Level level, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len) {
  const Kernels& ks = kernels(level);
  split_elementwise(len, [&](size_t lo, size_t hi) { ks.mul(a + lo, b + lo, out + lo, hi - lo); });
}

void scalar_mul(Level level, const uint64_t* a, uint64_t s, uint64_t* out, size_t len) {
  const Kernels& ks = kernels(level);
  split_elementwise(len, [&](size_t lo, size_t hi) { ks.scalar_mul(a + lo, s, out + lo, hi - lo); });
}

void fused_mul(Level level, const uint64_t* xi, const uint64_t* xi1, const uint64_t* yi, const uint64_t* yi1,
               const uint64_t* alpha, uint64_t* out, size_t len) {
  const Kernels& ks = kernels(level);
  split_elementwise(len, [&](size_t lo, size_t hi) {
    ks.fused_mul(xi + lo, xi1 + lo, yi + lo, yi1 + lo, alpha + lo, out + lo, hi - lo);
  });
}

}  // namespace ring
