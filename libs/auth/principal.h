// Who is calling, and what their role lets them do. The organization comes from the verified
// token only, never from the request, so one tenant cannot name another's resources.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace throughline::auth {

enum class Role { kViewer, kOwner, kEditor, kAdmin, kService };

// "viewer", "owner", "editor", "admin", "service".
std::string_view RoleName(Role role);

// The inverse of RoleName (case-insensitive); INVALID_ARGUMENT naming the roles otherwise.
absl::StatusOr<Role> ParseRole(std::string_view name);

// The organization of service accounts that may read in every organization.
inline constexpr std::string_view kAnyOrganization = "*";

struct Principal {
  // Organization ID like "acme"; kAnyOrganization ("*") only for service accounts.
  std::string organization;
  // Who, e.g. "erin@acme.example" or "alignment-service".
  std::string id;
  Role role = Role::kViewer;

  friend bool operator==(const Principal&, const Principal&) = default;
};

enum class Access {
  kRead,
  // Acknowledge or resolve one's own tasks, confirm commitments.
  kOwnerAction,
  kWrite,
  kAdmin,
};

// "read", "owner action", "write", "admin".
std::string_view AccessName(Access access);

// Whether `role` grants `access` (in its own organization):
//   viewer: read; owner: + owner actions; editor: + write; admin: everything;
//   service: read only (in any organization when its organization is "*").
bool RoleAllows(Role role, Access access);

// OK when `principal` may perform `access` in `organization_id`. Otherwise PERMISSION_DENIED:
// reason "WRONG_ORGANIZATION" when the principal belongs to another organization (checked
// first, so a caller learns nothing about another tenant's permissions), reason "ROLE_TOO_LOW"
// when its role does not grant `access`.
absl::Status Authorize(const Principal& principal, std::string_view organization_id, Access access);

}  // namespace throughline::auth
