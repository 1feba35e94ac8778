#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/api/resource_name.h"
#include "libs/auth/auth.h"
#include "libs/errors/errors.h"
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

// A resource name given in a List request's filter: parsed against `pattern` (field "filter"),
// refused as another organization's like AuthorizedName (read access), and INVALID_ARGUMENT
// unless it is under the request's `parent`, whose ids are `parent_ids` (a "-" id matches
// any). `what` starts the message ("market ", or "" for none). Returns the name's ids.
inline absl::StatusOr<std::vector<std::string>> AuthorizedFilterName(
    const CallContext& call, std::string_view pattern, const std::string& name,
    const std::vector<std::string>& parent_ids, const std::string& parent,
    const std::string& what) {
  auto ids = AuthorizedName(call, pattern, name, "filter", auth::Access::kRead);
  if (!ids.ok()) return ids.status();
  for (size_t i = 0; i < parent_ids.size() && i < ids->size(); ++i) {
    if (parent_ids[i] != api::kWildcard && parent_ids[i] != (*ids)[i]) {
      return errors::InvalidField(
          "filter", absl::StrCat(what, "\"", name, "\" is not under parent \"", parent, "\""));
    }
  }
  return ids;
}

}  // namespace throughline::server
