// Pagination after AIP-158: page sizes and opaque page tokens.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// Where a List call starts, after its page_size and page_token were checked. Listings are
// keyset-paginated: rows come ordered by a numeric key, and a token carries the key of the
// previous page's last row.
struct Page {
  int size = 0;             // rows on this page
  int64_t last_key = 0;     // key of the previous page's last row; 0 on the first page
  std::string fingerprint;  // the query the page belongs to (see QueryFingerprint)

  // Rows to fetch: one more than the page holds tells whether another page follows.
  int limit() const { return size + 1; }
};

// Checks page_size (ResolvePageSize) and page_token (DecodePageToken) of a List request whose
// results depend on `query_parts` (parent, filter, ...).
absl::StatusOr<Page> StartPage(int32_t page_size, std::string_view page_token,
                               std::initializer_list<std::string_view> query_parts, absl::Time now);

// Hands the rows of `page` (fetched with page.limit(); each has `key` and `resource`) to `add`,
// in order, and returns the next_page_token: empty on the last page.
template <typename Row, typename Add>
std::string FinishPage(const Page& page, std::vector<Row> rows, absl::Time now, Add&& add) {
  const bool more = static_cast<int>(rows.size()) > page.size;
  if (more) rows.pop_back();
  for (Row& row : rows) add(std::move(row.resource));
  return more ? EncodePageToken(page.fingerprint, rows.back().key, now) : std::string();
}

}  // namespace throughline::api
