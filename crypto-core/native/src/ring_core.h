// The C++ ring core behind the Node-API addon: Z_2^64 arithmetic on plain uint64_t buffers,
// with no Node-API types, so it can be read and tested on its own. Every function trusts its
// lengths: addon.cc validates them before calling in.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ring {

// An instruction-set level of the multiply kernels. kAuto picks the fastest one this CPU has
// (decided at load time with __builtin_cpu_supports, never at compile time).
enum class Level : int { kAuto = -1, kScalar = 0, kSse2 = 1, kAvx2 = 2, kAvx512 = 3 };

// The level kAuto resolves to on this CPU.
Level best_level();
// Whether `level` can run on this CPU (kScalar and kSse2/generic always can).
bool level_supported(Level level);
// "scalar", "sse2" ("generic" off x86), "avx2", "avx512".
const char* level_name(Level level);

// Products of at least this many multiply-adds (m*k*n) are split across threads. Measured on
// the 2-core target (docs/benchmarks-ring.md): one AVX-512 core does 128x128x128 in 0.05 ms and
// 64x784x128 in 0.15 ms, where two threads gain nothing or lose (thread start-up, and each
// thread packs the whole shared operand); 256x256x256 (2^24) gains about 1.3x on an idle machine.
constexpr std::uint64_t kThreadMinWork = std::uint64_t(1) << 23;

// out = a (m x k) * b (k x n), row-major. out must not overlap a or b.
void matmul_u64(Level level, size_t m, size_t k, size_t n, const uint64_t* a, const uint64_t* b, uint64_t* out);
// out = xi*yi + xi*yi1 + xi1*yi + alpha as matrices (the local step of a replicated product).
// out may equal alpha; it must not overlap xi, xi1, yi, yi1.
void fused_matmul_u64(Level level, size_t m, size_t k, size_t n, const uint64_t* xi, const uint64_t* xi1,
                      const uint64_t* yi, const uint64_t* yi1, const uint64_t* alpha, uint64_t* out);
// out = a (m x k) * b (k x n) in double precision: the benchmark's physical-limit reference,
// with the same blocking and thread split as matmul_u64.
void matmul_f64(Level level, size_t m, size_t k, size_t n, const double* a, const double* b, double* out);

// Elementwise operations; out may equal an input.
void mul(Level level, const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len);
void scalar_mul(Level level, const uint64_t* a, uint64_t s, uint64_t* out, size_t len);
void fused_mul(Level level, const uint64_t* xi, const uint64_t* xi1, const uint64_t* yi, const uint64_t* yi1,
               const uint64_t* alpha, uint64_t* out, size_t len);
void add(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len);
void sub(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len);
void neg(const uint64_t* a, uint64_t* out, size_t len);
void bit_xor(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len);
void bit_and(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t len);
void shift_left(const uint64_t* a, unsigned bits, uint64_t* out, size_t len);
void shift_right_logical(const uint64_t* a, unsigned bits, uint64_t* out, size_t len);
void shift_right_arith(const uint64_t* a, unsigned bits, uint64_t* out, size_t len);

}  // namespace ring
