// Node-API surface of the ring core. Every argument is validated here as well as in the
// TypeScript wrapper (crypto-core/ring/native-ring.ts): the wrapper gives the project's error
// classes, this layer makes sure that no call, however wrong, can read or write out of bounds.
// Errors name the parameter, like the TypeScript checks do.
#include <napi.h>

#include <cmath>
#include <exception>
#include <string>
#include <vector>
#include <algorithm>

#include "galois.h"
#include "ring128.h"
#include "ring_core.h"

namespace {

struct U64Arg {
  uint64_t* data;
  size_t len;
};

struct F64Arg {
  double* data;
  size_t len;
};

[[noreturn]] void fail_type(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] void fail_range(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

// Reads a typed array argument of the given element type. napi_get_typedarray_info returns the
// data pointer already advanced by the view's byteOffset, so subarray views work.
void* typed_array(const Napi::CallbackInfo& info, size_t index, const char* name, napi_typedarray_type want,
                  const char* wantName, size_t* len) {
  Napi::Env env = info.Env();
  napi_value v = info[index];
  bool isTyped = false;
  NAPI_THROW_IF_FAILED(env, napi_is_typedarray(env, v, &isTyped), nullptr);
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  if (isTyped) {
    NAPI_THROW_IF_FAILED(env, napi_get_typedarray_info(env, v, &type, len, &data, nullptr, nullptr), nullptr);
  }
  if (!isTyped || type != want) fail_type(env, std::string(name) + ": expected " + wantName);
  return data;
}

U64Arg u64(const Napi::CallbackInfo& info, size_t index, const char* name) {
  U64Arg a{nullptr, 0};
  a.data = static_cast<uint64_t*>(typed_array(info, index, name, napi_biguint64_array, "BigUint64Array", &a.len));
  return a;
}

F64Arg f64(const Napi::CallbackInfo& info, size_t index, const char* name) {
  F64Arg a{nullptr, 0};
  a.data = static_cast<double*>(typed_array(info, index, name, napi_float64_array, "Float64Array", &a.len));
  return a;
}

void expect_len(Napi::Env env, const char* name, size_t got, size_t want) {
  if (got != want) {
    fail_range(env, std::string(name) + ": expected length " + std::to_string(want) + ", got " + std::to_string(got));
  }
}

// A non-negative integer dimension, small enough that products of two dimensions and the
// byte size of any buffer cannot overflow size_t (lengths are validated against real arrays).
size_t dim(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Env env = info.Env();
  if (!info[index].IsNumber()) fail_type(env, std::string(name) + ": expected non-negative integer");
  const double d = info[index].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740991.0) {
    fail_range(env, std::string(name) + ": expected non-negative integer");
  }
  return static_cast<size_t>(d);
}

// m * k without overflow (an overflowing product cannot match any real array length).
size_t checked_product(Napi::Env env, size_t x, size_t y, const char* what) {
  size_t r = 0;
  if (__builtin_mul_overflow(x, y, &r) || r > (SIZE_MAX / 8)) fail_range(env, std::string(what) + ": too large");
  return r;
}

unsigned shift_bits(const Napi::CallbackInfo& info, size_t index) {
  Napi::Env env = info.Env();
  if (!info[index].IsNumber()) fail_type(env, "bits: expected integer in 0..63");
  const double d = info[index].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 63) || d != std::floor(d)) fail_range(env, "bits: expected integer in 0..63");
  return static_cast<unsigned>(d);
}

// Optional trailing kernel level (bench and tests pin one; the Ring64 object passes nothing).
ring::Level level_arg(const Napi::CallbackInfo& info, size_t index) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || info[index].IsUndefined()) return ring::Level::kAuto;
  if (!info[index].IsNumber()) fail_type(env, "level: expected integer in -1..3");
  const double d = info[index].As<Napi::Number>().DoubleValue();
  if (!(d >= -1 && d <= 3) || d != std::floor(d)) fail_range(env, "level: expected integer in -1..3");
  return static_cast<ring::Level>(static_cast<int>(d));
}

bool overlaps(const void* x, size_t xBytes, const void* y, size_t yBytes) {
  if (xBytes == 0 || yBytes == 0) return false;
  const auto a = reinterpret_cast<uintptr_t>(x);
  const auto b = reinterpret_cast<uintptr_t>(y);
  return a < b + yBytes && b < a + xBytes;
}

// Elementwise out may be the very same view as an input (in-place update), but a partial
// overlap would make the result depend on the loop order, so it is refused.
void out_same_or_disjoint(Napi::Env env, const U64Arg& out, const U64Arg& in, const char* inName) {
  const bool same = out.data == in.data && out.len == in.len;
  if (!same && overlaps(out.data, out.len * 8, in.data, in.len * 8)) {
    fail_range(env, std::string("out: must be the same view as ") + inName + " or not overlap it");
  }
}

void out_disjoint(Napi::Env env, const void* out, size_t outBytes, const void* in, size_t inBytes,
                  const char* inName) {
  if (overlaps(out, outBytes, in, inBytes)) {
    fail_range(env, std::string("out: must not overlap ") + inName + " in a matrix product");
  }
}

// Every export runs through Guarded, which turns C++ exceptions (allocation failure, thread
// start-up errors) into JavaScript errors instead of letting them terminate the process.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  try {
    return Fn(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("ring native: ") + e.what());
  }
}

template <void (*Op)(const uint64_t*, const uint64_t*, uint64_t*, size_t)>
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  U64Arg a = u64(info, 0, "a");
  U64Arg b = u64(info, 1, "b");
  U64Arg out = u64(info, 2, "out");
  expect_len(env, "b", b.len, a.len);
  expect_len(env, "out", out.len, a.len);
  out_same_or_disjoint(env, out, a, "a");
  out_same_or_disjoint(env, out, b, "b");
  Op(a.data, b.data, out.data, a.len);
  return info[2];
}

template <void (*Op)(const uint64_t*, unsigned, uint64_t*, size_t)>
Napi::Value Shift(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  U64Arg a = u64(info, 0, "a");
  const unsigned bits = shift_bits(info, 1);
  U64Arg out = u64(info, 2, "out");
  expect_len(env, "out", out.len, a.len);
  out_same_or_disjoint(env, out, a, "a");
  Op(a.data, bits, out.data, a.len);
  return info[2];
}

Napi::Value Neg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  U64Arg a = u64(info, 0, "a");
  U64Arg out = u64(info, 1, "out");
  expect_len(env, "out", out.len, a.len);
  out_same_or_disjoint(env, out, a, "a");
  ring::neg(a.data, out.data, a.len);
  return info[1];
}

Napi::Value Mul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  U64Arg a = u64(info, 0, "a");
  U64Arg b = u64(info, 1, "b");
  U64Arg out = u64(info, 2, "out");
  const ring::Level level = level_arg(info, 3);
  expect_len(env, "b", b.len, a.len);
  expect_len(env, "out", out.len, a.len);
  out_same_or_disjoint(env, out, a, "a");
  out_same_or_disjoint(env, out, b, "b");
  ring::mul(level, a.data, b.data, out.data, a.len);
  return info[2];
}

Napi::Value ScalarMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  U64Arg a = u64(info, 0, "a");
  if (!info[1].IsBigInt()) fail_type(env, "s: expected bigint");
  bool lossless = false;
  // Uint64Value wraps mod 2^64, like BigInt.asUintN(64, s): negative scalars are two's complement.
  const uint64_t s = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
  U64Arg out = u64(info, 2, "out");
  const ring::Level level = level_arg(info, 3);
  expect_len(env, "out", out.len, a.len);
  out_same_or_disjoint(env, out, a, "a");
  ring::scalar_mul(level, a.data, s, out.data, a.len);
  return info[2];
}

Napi::Value FusedMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static const char* names[] = {"xi", "xi1", "yi", "yi1", "alpha"};
  U64Arg in[5];
  for (size_t i = 0; i < 5; i++) in[i] = u64(info, i, names[i]);
  U64Arg out = u64(info, 5, "out");
  const ring::Level level = level_arg(info, 6);
  for (size_t i = 1; i < 5; i++) expect_len(env, names[i], in[i].len, in[0].len);
  expect_len(env, "out", out.len, in[0].len);
  for (size_t i = 0; i < 5; i++) out_same_or_disjoint(env, out, in[i], names[i]);
  ring::fused_mul(level, in[0].data, in[1].data, in[2].data, in[3].data, in[4].data, out.data, in[0].len);
  return info[5];
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  U64Arg a = u64(info, 0, "a");
  U64Arg b = u64(info, 1, "b");
  const size_t m = dim(info, 2, "m"), k = dim(info, 3, "k"), n = dim(info, 4, "n");
  U64Arg out = u64(info, 5, "out");
  const ring::Level level = level_arg(info, 6);
  expect_len(env, "a", a.len, checked_product(env, m, k, "m*k"));
  expect_len(env, "b", b.len, checked_product(env, k, n, "k*n"));
  expect_len(env, "out", out.len, checked_product(env, m, n, "m*n"));
  out_disjoint(env, out.data, out.len * 8, a.data, a.len * 8, "a");
  out_disjoint(env, out.data, out.len * 8, b.data, b.len * 8, "b");
  ring::matmul_u64(level, m, k, n, a.data, b.data, out.data);
  return info[5];
}

Napi::Value FusedMatmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static const char* names[] = {"xi", "xi1", "yi", "yi1", "alpha"};
  U64Arg in[5];
  for (size_t i = 0; i < 5; i++) in[i] = u64(info, i, names[i]);
  const size_t m = dim(info, 5, "m"), k = dim(info, 6, "k"), n = dim(info, 7, "n");
  U64Arg out = u64(info, 8, "out");
  const ring::Level level = level_arg(info, 9);
  const size_t mk = checked_product(env, m, k, "m*k");
  const size_t kn = checked_product(env, k, n, "k*n");
  const size_t mn = checked_product(env, m, n, "m*n");
  const size_t want[5] = {mk, mk, kn, kn, mn};
  for (size_t i = 0; i < 5; i++) expect_len(env, names[i], in[i].len, want[i]);
  expect_len(env, "out", out.len, mn);
  for (size_t i = 0; i < 4; i++) out_disjoint(env, out.data, out.len * 8, in[i].data, in[i].len * 8, names[i]);
  out_same_or_disjoint(env, out, in[4], "alpha");
  ring::fused_matmul_u64(level, m, k, n, in[0].data, in[1].data, in[2].data, in[3].data, in[4].data, out.data);
  return info[8];
}

Napi::Value Float64Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F64Arg a = f64(info, 0, "a");
  F64Arg b = f64(info, 1, "b");
  const size_t m = dim(info, 2, "m"), k = dim(info, 3, "k"), n = dim(info, 4, "n");
  F64Arg out = f64(info, 5, "out");
  const ring::Level level = level_arg(info, 6);
  expect_len(env, "a", a.len, checked_product(env, m, k, "m*k"));
  expect_len(env, "b", b.len, checked_product(env, k, n, "k*n"));
  expect_len(env, "out", out.len, checked_product(env, m, n, "m*n"));
  out_disjoint(env, out.data, out.len * 8, a.data, a.len * 8, "a");
  out_disjoint(env, out.data, out.len * 8, b.data, b.len * 8, "b");
  ring::matmul_f64(level, m, k, n, a.data, b.data, out.data);
  return info[5];
}

// --- Z_2^128 (ring128.h): vectors as (lo, hi) word arrays of equal length. -------------------

struct V128Arg {
  U64Arg lo;
  U64Arg hi;
};

V128Arg v128(const Napi::CallbackInfo& info, size_t index, const char* lo, const char* hi) {
  V128Arg v{u64(info, index, lo), u64(info, index + 1, hi)};
  expect_len(info.Env(), hi, v.hi.len, v.lo.len);
  return v;
}

ring128::Vec in128(const V128Arg& v) { return ring128::Vec{v.lo.data, v.hi.data}; }
ring128::MutVec out128(const V128Arg& v) { return ring128::MutVec{v.lo.data, v.hi.data}; }

// out may be the same views as an input (in place), never a partial overlap.
void out128_same_or_disjoint(Napi::Env env, const V128Arg& out, const V128Arg& in, const char* name) {
  out_same_or_disjoint(env, out.lo, in.lo, name);
  out_same_or_disjoint(env, out.hi, in.hi, name);
  out_same_or_disjoint(env, out.lo, in.hi, name);
  out_same_or_disjoint(env, out.hi, in.lo, name);
}

template <void (*Op)(const ring128::Vec&, const ring128::Vec&, const ring128::MutVec&, size_t)>
Napi::Value Binary128(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  V128Arg a = v128(info, 0, "aLo", "aHi");
  V128Arg b = v128(info, 2, "bLo", "bHi");
  V128Arg out = v128(info, 4, "outLo", "outHi");
  expect_len(env, "bLo", b.lo.len, a.lo.len);
  expect_len(env, "outLo", out.lo.len, a.lo.len);
  out128_same_or_disjoint(env, out, a, "a");
  out128_same_or_disjoint(env, out, b, "b");
  Op(in128(a), in128(b), out128(out), a.lo.len);
  return env.Undefined();
}

Napi::Value Neg128(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  V128Arg a = v128(info, 0, "aLo", "aHi");
  V128Arg out = v128(info, 2, "outLo", "outHi");
  expect_len(env, "outLo", out.lo.len, a.lo.len);
  out128_same_or_disjoint(env, out, a, "a");
  ring128::neg(in128(a), out128(out), a.lo.len);
  return env.Undefined();
}

uint64_t u64_bigint(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsBigInt()) fail_type(info.Env(), std::string(name) + ": expected bigint");
  bool lossless = false;
  return info[index].As<Napi::BigInt>().Uint64Value(&lossless);
}

Napi::Value ScalarMul128(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  V128Arg a = v128(info, 0, "aLo", "aHi");
  const ring128::u128 s = (static_cast<ring128::u128>(u64_bigint(info, 3, "sHi")) << 64) | u64_bigint(info, 2, "sLo");
  V128Arg out = v128(info, 4, "outLo", "outHi");
  expect_len(env, "outLo", out.lo.len, a.lo.len);
  out128_same_or_disjoint(env, out, a, "a");
  ring128::scalar_mul(in128(a), s, out128(out), a.lo.len);
  return env.Undefined();
}

Napi::Value Matmul128(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  V128Arg a = v128(info, 0, "aLo", "aHi");
  V128Arg b = v128(info, 2, "bLo", "bHi");
  const size_t m = dim(info, 4, "m"), k = dim(info, 5, "k"), n = dim(info, 6, "n");
  V128Arg out = v128(info, 7, "outLo", "outHi");
  expect_len(env, "aLo", a.lo.len, checked_product(env, m, k, "m*k"));
  expect_len(env, "bLo", b.lo.len, checked_product(env, k, n, "k*n"));
  expect_len(env, "outLo", out.lo.len, checked_product(env, m, n, "m*n"));
  for (const U64Arg* o : {&out.lo, &out.hi}) {
    for (const U64Arg* i : {&a.lo, &a.hi, &b.lo, &b.hi}) out_disjoint(env, o->data, o->len * 8, i->data, i->len * 8, "an operand");
  }
  ring128::matmul(in128(a), in128(b), m, k, n, out128(out));
  return env.Undefined();
}

Napi::Value GroupSums128(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  V128Arg a = v128(info, 0, "aLo", "aHi");
  const size_t g = dim(info, 2, "g");
  V128Arg out = v128(info, 3, "outLo", "outHi");
  if (g == 0 || a.lo.len % g != 0) fail_range(env, "g: expected a positive divisor of the length");
  expect_len(env, "outLo", out.lo.len, a.lo.len / g);
  for (const U64Arg* o : {&out.lo, &out.hi}) {
    for (const U64Arg* i : {&a.lo, &a.hi}) out_disjoint(env, o->data, o->len * 8, i->data, i->len * 8, "a");
  }
  ring128::group_sums(in128(a), g, a.lo.len / g, out128(out));
  return env.Undefined();
}

Napi::Value Interleave128(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  V128Arg a = v128(info, 0, "lo", "hi");
  U64Arg words = u64(info, 2, "words");
  expect_len(env, "words", words.len, checked_product(env, a.lo.len, 2, "2n"));
  for (const U64Arg* i : {&a.lo, &a.hi}) out_disjoint(env, words.data, words.len * 8, i->data, i->len * 8, "lo/hi");
  ring128::interleave(in128(a), words.data, a.lo.len);
  return env.Undefined();
}

Napi::Value Deinterleave128(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  U64Arg words = u64(info, 0, "words");
  V128Arg out = v128(info, 1, "lo", "hi");
  expect_len(env, "words", words.len, checked_product(env, out.lo.len, 2, "2n"));
  for (const U64Arg* o : {&out.lo, &out.hi}) out_disjoint(env, o->data, o->len * 8, words.data, words.len * 8, "words");
  ring128::deinterleave(words.data, out128(out), out.lo.len);
  return env.Undefined();
}

// --- GR(2^64, 56) (galois.h): vectors of 56-word elements. ----------------------------------

size_t gr_count(Napi::Env env, const char* name, size_t words) {
  if (words % galois::kDegree != 0) fail_range(env, std::string(name) + ": expected a multiple of 56 words");
  return words / galois::kDegree;
}

// mulGr(a, b, out): elementwise; scaleGr(a, s, out): every element times s; dotGr(a, b, out).
template <int Kind>
Napi::Value GaloisOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  U64Arg a = u64(info, 0, "a");
  U64Arg b = u64(info, 1, Kind == 1 ? "s" : "b");
  U64Arg out = u64(info, 2, "out");
  const size_t n = gr_count(env, "a", a.len);
  expect_len(env, Kind == 1 ? "s" : "b", b.len, Kind == 1 ? galois::kDegree : a.len);
  expect_len(env, "out", out.len, Kind == 2 ? galois::kDegree : a.len);
  out_disjoint(env, out.data, out.len * 8, a.data, a.len * 8, "a");
  out_disjoint(env, out.data, out.len * 8, b.data, b.len * 8, Kind == 1 ? "s" : "b");
  if (Kind == 0) galois::mul(a.data, b.data, out.data, n);
  if (Kind == 1) galois::scale(a.data, b.data, out.data, n);
  if (Kind == 2) galois::dot(a.data, b.data, out.data, n);
  return env.Undefined();
}

// permuteBits(vectors, perm, outs): for every q, bit i of outs[q] is bit perm[i] of vectors[q]
// (bit j = bit j & 63 of word j >> 6). The vectors have one length; each out has
// ceil(perm.length / 64) words and overlaps no vector. Every entry is bounds-checked.
Napi::Value PermuteBits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray() || !info[2].IsArray()) fail_type(env, "vectors, outs: expected arrays");
  Napi::Array vs = info[0].As<Napi::Array>();
  Napi::Array os = info[2].As<Napi::Array>();
  size_t m = 0;
  const auto* perm = static_cast<const uint32_t*>(typed_array(info, 1, "perm", napi_uint32_array, "Uint32Array", &m));
  const uint32_t count = vs.Length();
  if (os.Length() != count || count > 16) fail_range(env, "outs: expected as many as vectors (at most 16)");
  std::vector<const uint64_t*> src(count);
  std::vector<uint64_t*> dst(count);
  size_t len = 0;
  const size_t outLen = (m + 63) / 64;
  for (uint32_t q = 0; q < count; q++) {
    Napi::Value v = vs[q];
    Napi::Value o = os[q];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_biguint64_array) fail_type(env, "vectors: expected BigUint64Arrays");
    if (!o.IsTypedArray() || o.As<Napi::TypedArray>().TypedArrayType() != napi_biguint64_array) fail_type(env, "outs: expected BigUint64Arrays");
    auto va = v.As<Napi::BigUint64Array>();
    auto oa = o.As<Napi::BigUint64Array>();
    if (q == 0) len = va.ElementLength();
    if (va.ElementLength() != len) fail_range(env, "vectors: expected one length");
    expect_len(env, "out", oa.ElementLength(), outLen);
    src[q] = va.Data();
    dst[q] = oa.Data();
  }
  for (uint32_t q = 0; q < count; q++) {
    for (uint32_t r = 0; r < count; r++) {
      if (overlaps(dst[q], outLen * 8, src[r], len * 8) || (q != r && overlaps(dst[q], outLen * 8, dst[r], outLen * 8))) fail_range(env, "outs: must not overlap the vectors or each other");
    }
  }
  const uint64_t bits = static_cast<uint64_t>(len) * 64;
  for (size_t i = 0; i < m; i++) {
    if (perm[i] >= bits) fail_range(env, "perm: entry " + std::to_string(i) + " is not below 64 * length");
  }
  for (uint32_t q = 0; q < count; q++) std::fill(dst[q], dst[q] + outLen, 0);
  for (size_t i = 0; i < m; i++) {
    const uint32_t p = perm[i];
    const size_t w = p >> 6;
    const unsigned sh = p & 63;
    const uint64_t at = i & 63;
    for (uint32_t q = 0; q < count; q++) dst[q][i >> 6] |= ((src[q][w] >> sh) & 1ULL) << at;
  }
  return env.Undefined();
}

// { best: "avx512", supported: ["scalar", "sse2", ...], threadMinWork } for the benchmark report.
Napi::Value Levels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("best", ring::level_name(ring::Level::kAuto));
  o.Set("bestId", static_cast<double>(static_cast<int>(ring::best_level())));
  Napi::Array supported = Napi::Array::New(env);
  uint32_t i = 0;
  for (int l = 0; l <= 3; l++) {
    if (ring::level_supported(static_cast<ring::Level>(l))) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("id", static_cast<double>(l));
      e.Set("name", ring::level_name(static_cast<ring::Level>(l)));
      supported.Set(i++, e);
    }
  }
  o.Set("supported", supported);
  o.Set("threadMinWork", static_cast<double>(ring::kThreadMinWork));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("add", Napi::Function::New(env, Guarded<Binary<ring::add>>, "add"));
  exports.Set("sub", Napi::Function::New(env, Guarded<Binary<ring::sub>>, "sub"));
  exports.Set("xor", Napi::Function::New(env, Guarded<Binary<ring::bit_xor>>, "xor"));
  exports.Set("and", Napi::Function::New(env, Guarded<Binary<ring::bit_and>>, "and"));
  exports.Set("permuteBits", Napi::Function::New(env, Guarded<PermuteBits>, "permuteBits"));
  exports.Set("neg", Napi::Function::New(env, Guarded<Neg>, "neg"));
  exports.Set("mul", Napi::Function::New(env, Guarded<Mul>, "mul"));
  exports.Set("scalarMul", Napi::Function::New(env, Guarded<ScalarMul>, "scalarMul"));
  exports.Set("shiftLeft", Napi::Function::New(env, Guarded<Shift<ring::shift_left>>, "shiftLeft"));
  exports.Set("shiftRightLogical", Napi::Function::New(env, Guarded<Shift<ring::shift_right_logical>>, "shiftRightLogical"));
  exports.Set("shiftRightArith", Napi::Function::New(env, Guarded<Shift<ring::shift_right_arith>>, "shiftRightArith"));
  exports.Set("fusedMul", Napi::Function::New(env, Guarded<FusedMul>, "fusedMul"));
  exports.Set("matmul", Napi::Function::New(env, Guarded<Matmul>, "matmul"));
  exports.Set("fusedMatmul", Napi::Function::New(env, Guarded<FusedMatmul>, "fusedMatmul"));
  exports.Set("float64Matmul", Napi::Function::New(env, Guarded<Float64Matmul>, "float64Matmul"));
  exports.Set("levels", Napi::Function::New(env, Guarded<Levels>, "levels"));
  exports.Set("add128", Napi::Function::New(env, Guarded<Binary128<ring128::add>>, "add128"));
  exports.Set("sub128", Napi::Function::New(env, Guarded<Binary128<ring128::sub>>, "sub128"));
  exports.Set("mul128", Napi::Function::New(env, Guarded<Binary128<ring128::mul>>, "mul128"));
  exports.Set("neg128", Napi::Function::New(env, Guarded<Neg128>, "neg128"));
  exports.Set("scalarMul128", Napi::Function::New(env, Guarded<ScalarMul128>, "scalarMul128"));
  exports.Set("matmul128", Napi::Function::New(env, Guarded<Matmul128>, "matmul128"));
  exports.Set("groupSums128", Napi::Function::New(env, Guarded<GroupSums128>, "groupSums128"));
  exports.Set("interleave128", Napi::Function::New(env, Guarded<Interleave128>, "interleave128"));
  exports.Set("deinterleave128", Napi::Function::New(env, Guarded<Deinterleave128>, "deinterleave128"));
  exports.Set("mulGr", Napi::Function::New(env, Guarded<GaloisOp<0>>, "mulGr"));
  exports.Set("scaleGr", Napi::Function::New(env, Guarded<GaloisOp<1>>, "scaleGr"));
  exports.Set("dotGr", Napi::Function::New(env, Guarded<GaloisOp<2>>, "dotGr"));
  return exports;
}

}  // namespace

NODE_API_MODULE(mpc_ring, Init)
