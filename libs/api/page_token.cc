#include "libs/api/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/api/sha256.h"
#include "libs/errors/errors.h"

namespace throughline::api {
namespace {

// Layout of the decoded token, all integers big-endian:
//   [0]      version
//   [1, 9)   last_key
//   [9, 17)  first 8 bytes of SHA-256 of the query fingerprint
//   [17, 25) expiry, Unix seconds
//   [25, 33) first 8 bytes of SHA-256 of kChecksumContext and bytes [0, 25)
// The checksum has no secret key on purpose: a forged token can only move within a query the
// caller is already authorized for, since the parent is part of the fingerprint and every page
// is authorized anew. It exists to turn edited or truncated tokens into a clear error.
constexpr unsigned char kVersion = 1;
constexpr size_t kHashSize = 8;
constexpr size_t kBodySize = 1 + 8 + kHashSize + 8;
constexpr size_t kTokenSize = kBodySize + kHashSize;
constexpr std::string_view kFingerprintContext = "throughline.page_token.query:";
constexpr std::string_view kChecksumContext = "throughline.page_token.checksum:";

constexpr std::string_view kMalformed =
    "malformed or altered; pass next_page_token from the previous response unchanged, or start "
    "again without page_token";
constexpr std::string_view kDifferentQuery =
    "belongs to a different query: parent, filter or order changed; start again without "
    "page_token";
constexpr std::string_view kExpired = "expired; start again without page_token";

void AppendInt64(std::string& out, int64_t value) {
  const uint64_t bits = static_cast<uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out += static_cast<char>((bits >> shift) & 0xFF);
  }
}

int64_t ReadInt64(std::string_view in) {
  uint64_t bits = 0;
  for (size_t i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(in[i]);
  return static_cast<int64_t>(bits);
}

std::string ShortHash(std::string_view context, std::string_view data) {
  std::string input(context);
  input.append(data);
  return Sha256(input).substr(0, kHashSize);
}

absl::Status PageTokenError(std::string_view description) {
  return errors::InvalidField("page_token", std::string(description));
}

}  // namespace

std::string QueryFingerprint(std::initializer_list<std::string_view> parts) {
  // Length prefixes make ("a", "bc") and ("ab", "c") different fingerprints.
  std::string fingerprint;
  for (std::string_view part : parts) {
    absl::StrAppend(&fingerprint, part.size(), ":", absl::string_view(part.data(), part.size()),
                    ";");
  }
  return fingerprint;
}

std::string EncodePageToken(std::string_view query_fingerprint, int64_t last_key, absl::Time now) {
  std::string bytes;
  bytes.reserve(kTokenSize);
  bytes += static_cast<char>(kVersion);
  AppendInt64(bytes, last_key);
  bytes += ShortHash(kFingerprintContext, query_fingerprint);
  AppendInt64(bytes, absl::ToUnixSeconds(now + kPageTokenLifetime));
  bytes += ShortHash(kChecksumContext, bytes);
  std::string token;
  absl::WebSafeBase64Escape(bytes, &token);
  return token;
}

absl::StatusOr<int64_t> DecodePageToken(std::string_view token, std::string_view query_fingerprint,
                                        absl::Time now) {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(absl::string_view(token.data(), token.size()), &bytes) ||
      bytes.size() != kTokenSize) {
    return PageTokenError(kMalformed);
  }
  // Base64 decoding ignores some bit changes in the last character; re-encoding catches them so
  // that any edit of the token text is rejected.
  std::string canonical;
  absl::WebSafeBase64Escape(bytes, &canonical);
  const std::string_view view(bytes);
  if (canonical != token || static_cast<unsigned char>(bytes[0]) != kVersion ||
      ShortHash(kChecksumContext, view.substr(0, kBodySize)) != view.substr(kBodySize)) {
    return PageTokenError(kMalformed);
  }
  if (ShortHash(kFingerprintContext, query_fingerprint) != view.substr(9, kHashSize)) {
    return PageTokenError(kDifferentQuery);
  }
  if (now >= absl::FromUnixSeconds(ReadInt64(view.substr(17, 8)))) {
    return PageTokenError(kExpired);
  }
  return ReadInt64(view.substr(1, 8));
}

absl::StatusOr<int> ResolvePageSize(int32_t requested) {
  if (requested < 0) {
    return errors::InvalidField("page_size",
                                absl::StrCat("must not be negative, got ", requested,
                                             "; use 0 for the "
                                             "default of ",
                                             kDefaultPageSize, " or at most ", kMaxPageSize));
  }
  if (requested == 0) return kDefaultPageSize;
  if (requested > kMaxPageSize) return kMaxPageSize;
  return static_cast<int>(requested);
}

absl::StatusOr<Page> StartPage(int32_t page_size, std::string_view page_token,
                               std::initializer_list<std::string_view> query_parts,
                               absl::Time now) {
  Page page;
  auto size = ResolvePageSize(page_size);
  if (!size.ok()) return size.status();
  page.size = *size;
  page.fingerprint = QueryFingerprint(query_parts);
  if (!page_token.empty()) {
    auto last_key = DecodePageToken(page_token, page.fingerprint, now);
    if (!last_key.ok()) return last_key.status();
    page.last_key = *last_key;
  }
  return page;
}

}  // namespace throughline::api
