//===- Float.h - fp16 and bf16 conversions bit-exact with ggml --*- C++ -*-===//
//
// Scalar conversions between float32 and the two 16-bit float formats GGUF
// stores (IEEE binary16 "f16" and brain float "bf16"). They are written with
// integer arithmetic only, so they give the same bits on every host and under
// every compiler flag (no F16C, no dependence on the FPU rounding mode), and
// they equal what ggml's reference conversions produce:
//
//  - f32 -> f16 rounds to nearest, ties to even, including into and out of
//    the subnormal range; values from 65520 up become infinity. ggml's
//    portable path (the one ggml_quantize_chunk uses) turns every NaN into
//    the canonical quiet NaN 0x7E00 with the input's sign, so we do too
//    (hardware F16C would keep the payload instead).
//  - f32 -> bf16 rounds to nearest, ties to even; a NaN keeps its top 16 bits
//    with the quiet bit forced on. Subnormals are rounded, not flushed.
//  - f16 -> f32 and bf16 -> f32 are exact.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FLOAT_H
#define LLMQ_FORMATS_FLOAT_H

#include <cstdint>
#include <cstring>

namespace llmq {

/// The bits of `f`. memcpy rather than a union: it is defined behaviour in
/// C++ and compiles to a register move.
inline uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

/// The float whose bits are `bits`.
inline float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

/// Rounds float32 to IEEE binary16, to nearest with ties to even.
inline uint16_t fp32ToFp16(float f) {
  const uint32_t w = floatBits(f);
  const uint16_t sign = static_cast<uint16_t>((w >> 16) & 0x8000u);
  const uint32_t mag = w & 0x7fffffffu;

  // NaN: ggml's portable conversion returns one canonical quiet NaN and
  // drops the payload.
  if (mag > 0x7f800000u)
    return sign | 0x7e00u;
  // 65520 = 0x477ff000 is the midpoint between the largest half (65504) and
  // 2^16; it and everything above, infinity included, rounds to infinity.
  if (mag >= 0x477ff000u)
    return sign | 0x7c00u;
  // Normal halves (>= 2^-14): rebias the exponent (127 -> 15) and drop 13
  // mantissa bits, rounding to even. A carry out of the mantissa correctly
  // bumps the exponent; it cannot reach infinity after the check above.
  if (mag >= 0x38800000u) {
    const uint32_t roundedUp = mag + 0xfffu + ((mag >> 13) & 1u);
    return sign | static_cast<uint16_t>((roundedUp - 0x38000000u) >> 13);
  }
  // Below 2^-25 everything rounds to (signed) zero; 2^-25 itself is a tie
  // between 0 and the smallest subnormal, and goes to the even one, zero.
  const uint32_t exp = mag >> 23;
  if (exp < 102)
    return sign;
  // Subnormal halves count units of 2^-24. The float is m * 2^(exp - 150)
  // with the implicit bit in m, i.e. m >> (126 - exp) units; round the
  // shifted-out bits to even. Rounding up from 0x3ff yields 0x400, which is
  // exactly the encoding of the smallest normal half.
  const uint32_t mant = (mag & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126 - exp; // 14..24
  uint32_t units = mant >> shift;
  const uint32_t rest = mant & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  if (rest > half || (rest == half && (units & 1u)))
    ++units;
  return sign | static_cast<uint16_t>(units);
}

/// Widens IEEE binary16 to float32 exactly. A NaN keeps its payload and gets
/// the quiet bit, as x86 (ggml's portable path and F16C alike) does.
inline float fp16ToFp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;

  if (exp == 0x1f) // infinity or NaN
    return floatFromBits(sign | 0x7f800000u | (mant << 13) |
                         (mant ? 0x400000u : 0u));
  if (exp != 0) // normal: rebias 15 -> 127
    return floatFromBits(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) // signed zero
    return floatFromBits(sign);
  // Subnormal: mant * 2^-24. Shift the leading one into the implicit bit
  // position and lower the exponent once per shift.
  uint32_t e = 113; // float exponent of 2^-14, the subnormal scale
  while (!(mant & 0x400u)) {
    mant <<= 1;
    --e;
  }
  return floatFromBits(sign | (e << 23) | ((mant & 0x3ffu) << 13));
}

/// Rounds float32 to bfloat16, to nearest with ties to even, as ggml's
/// ggml_compute_fp32_to_bf16 does.
inline uint16_t fp32ToBf16(float f) {
  const uint32_t w = floatBits(f);
  // NaN: truncate and force the quiet bit, so a NaN whose payload lives only
  // in the low 16 bits cannot turn into infinity, and rounding cannot carry
  // into the sign.
  if ((w & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((w >> 16) | 0x40u);
  // Adding 0x7fff plus the kept lsb rounds the dropped half to even; the
  // largest finite floats correctly carry into infinity.
  return static_cast<uint16_t>((w + 0x7fffu + ((w >> 16) & 1u)) >> 16);
}

/// Widens bfloat16 to float32 exactly: bf16 is the top half of a float.
inline float bf16ToFp32(uint16_t h) {
  return floatFromBits(static_cast<uint32_t>(h) << 16);
}

} // namespace llmq

#endif // LLMQ_FORMATS_FLOAT_H
