// Pagination after AIP-158: page sizes and opaque page tokens.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace throughline::api {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// How long a page token stays valid after it was issued.
inline constexpr absl::Duration kPageTokenLifetime = absl::Hours(24);

// A fingerprint of everything that shapes a listing (parent, filter, order_by, ...), joined
// unambiguously. A token is only accepted for the same fingerprint, so the parent must be part
// of it: that is what keeps a token from carrying a position across organizations.
std::string QueryFingerprint(std::initializer_list<std::string_view> parts);

// An opaque, URL-safe token for the page after `last_key`: it carries a version, last_key, a
// hash of `query_fingerprint`, an expiry (now + 24h) and a checksum over all of it.
std::string EncodePageToken(std::string_view query_fingerprint, int64_t last_key, absl::Time now);

// The last_key of a token made by EncodePageToken for the same query. INVALID_ARGUMENT on field
// "page_token" when the token is malformed or altered, belongs to a different query, or has
// expired. Callers treat an empty page_token as "first page" and do not call this.
absl::StatusOr<int64_t> DecodePageToken(std::string_view token, std::string_view query_fingerprint,
                                        absl::Time now);

// 0 -> kDefaultPageSize, above kMaxPageSize -> kMaxPageSize, negative -> INVALID_ARGUMENT on
// "page_size".
absl::StatusOr<int> ResolvePageSize(int32_t requested);

}  // namespace throughline::api
