// The request_fuzzer target: every RPC of the three services, through the checks its catalog
// makes before any database or remote call, and for Update methods also the validation of the
// updated resource that the catalog runs inside its transaction (applied here to a valid
// stored resource). Each check calls the same library and validation functions, in the same
// order, as the catalog method named after it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "fuzz_checks.h"
#include "libs/api/page_token.h"
#include "libs/server/call.h"
#include "libs/server/request_parsing.h"

namespace throughline::fuzz {

// The fixed "now" of every check (page token expiry).
inline const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

struct Rpc {
  std::string name;
  // Parses the request from protobuf wire format and checks it; for bytes protobuf refuses,
  // the answer of libs/server/request_parsing.h. nullopt when the check has nothing to say.
  std::function<std::optional<absl::Status>(const server::CallContext&, std::string_view)> check;
};

template <typename Request>
Rpc MakeRpc(std::string name,
            std::function<absl::Status(const server::CallContext&, const Request&)> check) {
  return Rpc{std::move(name),
             [check = std::move(check)](const server::CallContext& call,
                                        std::string_view bytes) -> std::optional<absl::Status> {
               Request request;
               const absl::Status unparsable =
                   server::UnparsableRequest(*Request::descriptor(), bytes);
               if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
                 return unparsable;  // what the service answers (libs/server/request_parsing.h)
               }
               // Bytes protobuf accepts have no field the locator could blame.
               FUZZ_CHECK(ViolatedFields(unparsable) == std::vector<std::string>{"request"});
               return check(call, request);
             }};
}

std::vector<Rpc> SegmentRpcs();
std::vector<Rpc> OfferingRpcs();
std::vector<Rpc> AlignmentRpcs();

// What every List method checks first: page_size, then the filter (by the caller), then the
// page_token for the query fingerprint of `query_parts`.
inline absl::Status CheckPage(int32_t page_size, std::string_view page_token,
                              std::initializer_list<std::string_view> query_parts) {
  if (auto size = api::ResolvePageSize(page_size); !size.ok()) return size.status();
  if (page_token.empty()) return absl::OkStatus();
  return api::DecodePageToken(page_token, api::QueryFingerprint(query_parts), kNow).status();
}

// eventlog::AuthorizeWatch after authentication (the Watch…Events methods).
absl::Status CheckWatch(const server::CallContext& call, std::string_view parent,
                        std::string_view cursor, std::string_view filter);

}  // namespace throughline::fuzz
