// Resource names and IDs (libs/api/resource_name.h): ParseName against every pattern the
// services use, ValidateResourceId, DescribeInvalidResourceId and IsGeneratedId.
//
// Input: byte 0 picks the pattern and whether "-" is allowed, the rest is the name (also
// checked as an ID).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_checks.h"
#include "libs/api/resource_name.h"

namespace {

using throughline::fuzz::CheckClientError;
using throughline::fuzz::IsValidUtf8;

constexpr std::string_view kPatterns[] = {
    "organizations/{organization}",
    "organizations/{organization}/markets/{market}",
    "organizations/{organization}/markets/{market}/segments/{segment}",
    "organizations/{organization}/offerings/{offering}",
    "organizations/{organization}/offerings/{offering}/decisions/{decision}",
    "organizations/{organization}/functions/{function}",
    "organizations/{organization}/offerings/{offering}/commitments/{function}",
    "organizations/{organization}/tasks/{task}",
};

bool IsValidIdOrGenerated(std::string_view id) {
  return !throughline::api::DescribeInvalidResourceId(id).has_value() ||
         throughline::api::IsGeneratedId(id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace api = throughline::api;
  if (size == 0) return 0;
  const std::string_view pattern = kPatterns[data[0] % std::size(kPatterns)];
  const bool allow_wildcard = (data[0] / std::size(kPatterns)) % 2 == 1;
  const std::string_view name(reinterpret_cast<const char*>(data + 1), size - 1);

  // A name either parses into IDs that are valid (or "-" where allowed) and rebuild it
  // exactly, or is refused with a field error that a client can read.
  auto ids = api::ParseName(pattern, name, "name", allow_wildcard);
  if (ids.ok()) {
    std::string rebuilt;
    size_t next = 0;
    for (size_t start = 0; start <= pattern.size();) {
      size_t end = pattern.find('/', start);
      if (end == std::string_view::npos) end = pattern.size();
      const std::string_view segment = pattern.substr(start, end - start);
      start = end + 1;
      if (!rebuilt.empty()) rebuilt += '/';
      if (segment.front() == '{') {
        FUZZ_CHECK(next < ids->size());
        const std::string& id = (*ids)[next++];
        FUZZ_CHECK(IsValidIdOrGenerated(id) || (allow_wildcard && id == api::kWildcard));
        rebuilt += id;
      } else {
        rebuilt += segment;
      }
    }
    FUZZ_CHECK(next == ids->size());
    FUZZ_CHECK(rebuilt == name);
  } else {
    FUZZ_CHECK(ids.status().code() == absl::StatusCode::kInvalidArgument);
    CheckClientError(ids.status());
  }

  // The same bytes as an ID: valid exactly when DescribeInvalidResourceId has no complaint,
  // and the complaint is readable text.
  const absl::Status id_status = api::ValidateResourceId(name, "market_id");
  const auto problem = api::DescribeInvalidResourceId(name);
  FUZZ_CHECK(id_status.ok() == !problem.has_value());
  if (problem.has_value()) FUZZ_CHECK(IsValidUtf8(*problem));
  CheckClientError(id_status);
  if (id_status.ok()) {
    FUZZ_CHECK(!name.empty() && name.size() <= 63);
    FUZZ_CHECK(api::ParseName("organizations/{organization}", api::OrganizationName(name),
                              "parent")
                   .ok());
  }
  return 0;
}
