#pragma once

#include <cstdint>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace throughline::api {

// A random (version 4) UUID in its canonical text form, for `uid` fields and event ids.
inline std::string NewUuid(absl::BitGenRef random) {
  const uint64_t high = (absl::Uniform<uint64_t>(random) & ~0xF000ULL) | 0x4000ULL;
  const uint64_t low = (absl::Uniform<uint64_t>(random) & ~(0xC0ULL << 56)) | (0x80ULL << 56);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xFFFF,
                         high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFFULL);
}

}  // namespace throughline::api
