#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/api/resource_name.h"
#include "libs/auth/auth.h"
#include "libs/server/call.h"

namespace throughline::server {

// Parses `name` against `pattern` (whose first variable is the organization) and checks that
// the caller may act on that organization with `access`. Returns the variables' ids.
inline absl::StatusOr<std::vector<std::string>> AuthorizedName(
    const CallContext& call, std::string_view pattern, std::string_view name,
    std::string_view field, auth::Access access, bool allow_wildcard = false) {
  auto ids = api::ParseName(pattern, name, field, allow_wildcard);
  if (!ids.ok()) return ids.status();
  if (absl::Status allowed = auth::Authorize(call.principal, (*ids)[0], access); !allowed.ok()) {
    return allowed;
  }
  return ids;
}

}  // namespace throughline::server
