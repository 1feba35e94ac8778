// Page tokens (libs/api/page_token.h).
//
// 1. Arbitrary bytes as a token for a real query: decoding never crashes and either fails
//    with a field error or returns a key that re-encodes to a token decoding to the same key.
// 2. A real token for a fuzzed key, query and time: it decodes to that key for its query; with
//    any one character changed, removed or appended it is refused cleanly; for another query
//    it is refused; after its lifetime it is refused.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_checks.h"
#include "libs/api/page_token.h"

namespace {

using throughline::fuzz::CheckClientError;

void CheckRefused(const absl::StatusOr<int64_t>& decoded) {
  FUZZ_CHECK(!decoded.ok());
  FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument);
  CheckClientError(decoded.status());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace api = throughline::api;
  FuzzedDataProvider input(data, size);
  const std::string parent = input.ConsumeRandomLengthString(100);
  const std::string filter = input.ConsumeRandomLengthString(100);
  const std::string fingerprint = api::QueryFingerprint({parent, filter});
  const absl::Time now =
      absl::FromUnixSeconds(input.ConsumeIntegralInRange<int64_t>(0, int64_t{1} << 40));
  const int64_t key = input.ConsumeIntegral<int64_t>();
  const size_t position = input.ConsumeIntegral<size_t>();
  const char replacement = input.ConsumeIntegral<char>();
  const std::string raw = input.ConsumeRemainingBytesAsString();

  // 1. Whatever a client sends as page_token.
  auto decoded = api::DecodePageToken(raw, fingerprint, now);
  if (decoded.ok()) {
    auto again = api::DecodePageToken(api::EncodePageToken(fingerprint, *decoded, now),
                                      fingerprint, now);
    FUZZ_CHECK(again.ok() && *again == *decoded);
  } else {
    CheckRefused(decoded);
  }

  // 2. A token the server issued, then edited.
  const std::string token = api::EncodePageToken(fingerprint, key, now);
  auto round_trip = api::DecodePageToken(token, fingerprint, now);
  FUZZ_CHECK(round_trip.ok() && *round_trip == key);
  FUZZ_CHECK(!token.empty());
  std::string edited = token;
  const size_t at = position % token.size();
  if (edited[at] != replacement) {
    edited[at] = replacement;
    CheckRefused(api::DecodePageToken(edited, fingerprint, now));
  }
  CheckRefused(api::DecodePageToken(token.substr(0, at), fingerprint, now));
  CheckRefused(api::DecodePageToken(token + replacement, fingerprint, now));
  CheckRefused(api::DecodePageToken(token, api::QueryFingerprint({parent, filter, "x"}), now));
  CheckRefused(api::DecodePageToken(token, fingerprint, now + api::kPageTokenLifetime));

  auto page_size = api::ResolvePageSize(static_cast<int32_t>(key));
  if (page_size.ok()) {
    FUZZ_CHECK(*page_size >= 1 && *page_size <= api::kMaxPageSize);
  } else {
    CheckClientError(page_size.status());
  }
  return 0;
}
