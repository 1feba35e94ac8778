#pragma once

#include <string>
#include <string_view>

namespace throughline::api {

// The 32-byte SHA-256 digest of `data` (OpenSSL EVP). Stable across processes and builds, unlike
// absl::Hash, so it can back etags and tokens that outlive a process.
std::string Sha256(std::string_view data);

// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);

}  // namespace throughline::api
