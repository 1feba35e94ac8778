#include "libs/eventlog/watch_subscription.h"

#include "absl/strings/str_cat.h"
#include "libs/api/filter.h"
#include "libs/api/resource_name.h"
#include "libs/auth/auth.h"
#include "libs/errors/errors.h"

namespace throughline::eventlog {

absl::StatusOr<WatchSubscription> AuthorizeWatch(const server::CallRuntime& runtime,
                                                 const grpc::CallbackServerContext& context,
                                                 std::string_view parent,
                                                 std::string_view cursor,
                                                 std::string_view filter) {
  auto call = runtime.Begin(context);
  if (!call.ok()) return call.status();
  auto ids = api::ParseName("organizations/{organization}", parent, "parent",
                            /*allow_wildcard=*/true);
  if (!ids.ok()) return ids.status();
  WatchSubscription subscription;
  const bool all_organizations = (*ids)[0] == api::kWildcard;
  if (all_organizations) {
    // "organizations/-": every organization's events, for service accounts that subscribe
    // on behalf of the whole suite (the alignment service).
    if (call->principal.role != auth::Role::kService ||
        call->principal.organization != auth::kAnyOrganization) {
      return errors::PermissionDenied(
          "ROLE_TOO_LOW", "only service accounts may watch every organization (parent "
                          "\"organizations/-\"); name your organization");
    }
    subscription.organization = kAllOrganizations;
  } else {
    subscription.organization = (*ids)[0];
    if (absl::Status allowed =
            auth::Authorize(call->principal, subscription.organization, auth::Access::kRead);
        !allowed.ok()) {
      return allowed;
    }
  }
  if (absl::Status valid = EventLog::ValidateCursor(cursor, "after_cursor"); !valid.ok()) {
    return valid;
  }
  auto terms = api::ParseFilter(filter, {"type", "subject"});
  if (!terms.ok()) return terms.status();
  for (const auto& term : *terms) {
    if (term.field == "type") {
      subscription.filter.type = term.value;
    } else if (!all_organizations) {
      const std::string prefix = absl::StrCat("organizations/", subscription.organization);
      if (term.value != prefix && term.value.rfind(prefix + "/", 0) != 0) {
        return errors::PermissionDenied(
            "WRONG_ORGANIZATION",
            absl::StrCat("subject \"", term.value, "\" is outside ", prefix));
      }
      subscription.filter.subject_prefix = term.value;
    } else {
      subscription.filter.subject_prefix = term.value;
    }
  }
  subscription.principal = call->principal;
  return subscription;
}

}  // namespace throughline::eventlog
