// Request validation of every RPC; see request_fuzzer.h.
//
// Input: byte 0 picks the RPC (segment, offering, then alignment methods, in proto order),
// byte 1 the caller (role, and organization "acme" or "*" for a suite service account), the
// rest is the request message in protobuf wire format.
#include "request_fuzzer.h"

#include <cstddef>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "fuzz_checks.h"
#include "libs/api/filter.h"
#include "libs/api/resource_name.h"
#include "libs/auth/auth.h"
#include "libs/errors/errors.h"
#include "libs/eventlog/event_log.h"

namespace throughline::fuzz {

absl::Status CheckWatch(const server::CallContext& call, std::string_view parent,
                        std::string_view cursor, std::string_view filter) {
  auto ids = api::ParseName("organizations/{organization}", parent, "parent",
                            /*allow_wildcard=*/true);
  if (!ids.ok()) return ids.status();
  const bool all_organizations = (*ids)[0] == api::kWildcard;
  if (all_organizations) {
    if (call.principal.role != auth::Role::kService ||
        call.principal.organization != auth::kAnyOrganization) {
      return errors::PermissionDenied("ROLE_TOO_LOW", "only service accounts");
    }
  } else if (absl::Status allowed =
                 auth::Authorize(call.principal, (*ids)[0], auth::Access::kRead);
             !allowed.ok()) {
    return allowed;
  }
  if (absl::Status valid = eventlog::EventLog::ValidateCursor(cursor, "after_cursor");
      !valid.ok()) {
    return valid;
  }
  auto terms = api::ParseFilter(filter, {"type", "subject"});
  if (!terms.ok()) return terms.status();
  for (const auto& term : *terms) {
    if (term.field != "subject" || all_organizations) continue;
    const std::string prefix = absl::StrCat("organizations/", (*ids)[0]);
    if (term.value != prefix && term.value.rfind(prefix + "/", 0) != 0) {
      return errors::PermissionDenied("WRONG_ORGANIZATION", "subject outside the organization");
    }
  }
  return absl::OkStatus();
}

namespace {

const std::vector<Rpc>& AllRpcs() {
  static const auto* rpcs = [] {
    auto* all = new std::vector<Rpc>();
    for (const std::vector<Rpc>& service : {SegmentRpcs(), OfferingRpcs(), AlignmentRpcs()}) {
      all->insert(all->end(), service.begin(), service.end());
    }
    return all;
  }();
  return *rpcs;
}

server::CallContext Caller(uint8_t selector) {
  constexpr auth::Role kRoles[] = {auth::Role::kViewer, auth::Role::kOwner, auth::Role::kEditor,
                                   auth::Role::kAdmin, auth::Role::kService};
  server::CallContext call;
  call.principal.role = kRoles[selector % std::size(kRoles)];
  call.principal.id = "erin@acme.example";
  const bool suite_account = call.principal.role == auth::Role::kService && selector >= 128;
  call.principal.organization = suite_account ? std::string(auth::kAnyOrganization) : "acme";
  call.deadline = kNow + absl::Seconds(10);
  return call;
}

}  // namespace
}  // namespace throughline::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace throughline::fuzz;  // NOLINT: the entry point of this target only
  if (size < 2) return 0;
  const Rpc& rpc = AllRpcs()[data[0] % AllRpcs().size()];
  const std::optional<absl::Status> status =
      rpc.check(Caller(data[1]), std::string_view(reinterpret_cast<const char*>(data + 2),
                                                  size - 2));
  if (status.has_value()) CheckClientError(*status);
  return 0;
}
