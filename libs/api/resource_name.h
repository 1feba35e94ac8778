// Resource IDs and names after Google's AIP-122: "organizations/acme/markets/dach".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace throughline::api {

// The rules every resource ID follows, phrased for error messages.
inline constexpr std::string_view kResourceIdRules =
    "IDs are 1 to 63 characters of lowercase letters, digits and '-', starting with a letter "
    "and not ending with '-'";

// The wildcard ID of AIP-159: "organizations/acme/markets/-" means every market of acme.
inline constexpr std::string_view kWildcard = "-";

// Why `id` is not a valid resource ID, as a phrase after "it" ("must start with a lowercase
// letter"), or nullopt when it is valid. For callers that report IDs outside a request, such as
// configuration files.
std::optional<std::string> DescribeInvalidResourceId(std::string_view id);

// OK when `id` is 1-63 characters of [a-z0-9-], starts with a lowercase letter and does not end
// with '-'; otherwise INVALID_ARGUMENT with a violation on `field` saying what is wrong.
absl::Status ValidateResourceId(std::string_view id, std::string_view field);

// Matches `name` against `pattern` ("organizations/{organization}/markets/{market}") and returns
// the IDs of the variables in order. Errors are INVALID_ARGUMENT violations on `field`. With
// `allow_wildcard` a variable may be "-" (AIP-159), e.g. to list across every parent.
absl::StatusOr<std::vector<std::string>> ParseName(std::string_view pattern, std::string_view name,
                                                   std::string_view field,
                                                   bool allow_wildcard = false);

// "organizations/<organization_id>".
std::string OrganizationName(std::string_view organization_id);

// The last segment of a resource name, its ID: "engineering" of
// "organizations/acme/functions/engineering".
std::string IdOf(std::string_view name);

// True for a lowercase canonical UUID: the ID the server generates when a create request
// leaves the ID empty (AIP-122). Names accept such IDs; clients may not choose them.
bool IsGeneratedId(std::string_view id);

}  // namespace throughline::api
