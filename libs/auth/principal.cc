#include "libs/auth/principal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/errors/errors.h"

namespace throughline::auth {
namespace {

absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// What an access lets one do, for messages: "... does not allow writing".
std::string_view AccessActivity(Access access) {
  switch (access) {
    case Access::kRead:
      return "reading";
    case Access::kOwnerAction:
      return "acting on own tasks and commitments";
    case Access::kWrite:
      return "writing";
    case Access::kAdmin:
      return "administration";
  }
  return "this";
}

std::string_view RolesAllowing(Access access) {
  switch (access) {
    case Access::kRead:
      return "viewer, owner, editor, admin or service";
    case Access::kOwnerAction:
      return "owner, editor or admin";
    case Access::kWrite:
      return "editor or admin";
    case Access::kAdmin:
      return "admin";
  }
  return "admin";
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOwner:
      return "owner";
    case Role::kEditor:
      return "editor";
    case Role::kAdmin:
      return "admin";
    case Role::kService:
      return "service";
  }
  return "viewer";
}

absl::StatusOr<Role> ParseRole(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(ToAbsl(name));
  for (Role role : {Role::kViewer, Role::kOwner, Role::kEditor, Role::kAdmin, Role::kService}) {
    if (lower == RoleName(role)) return role;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown role ", errors::Quote(name),
                                                 "; roles: viewer, owner, editor, admin, service"));
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kRead:
      return "read";
    case Access::kOwnerAction:
      return "owner action";
    case Access::kWrite:
      return "write";
    case Access::kAdmin:
      return "admin";
  }
  return "admin";
}

bool RoleAllows(Role role, Access access) {
  switch (role) {
    case Role::kViewer:
      return access == Access::kRead;
    case Role::kOwner:
      return access == Access::kRead || access == Access::kOwnerAction;
    case Role::kEditor:
      return access != Access::kAdmin;
    case Role::kAdmin:
      return true;
    case Role::kService:
      return access == Access::kRead;
  }
  return false;
}

absl::Status Authorize(const Principal& principal, std::string_view organization_id,
                       Access access) {
  // "*" is honoured for service accounts only, whatever else put it on a principal.
  const bool any_organization =
      principal.role == Role::kService && principal.organization == kAnyOrganization;
  if (!any_organization && principal.organization != organization_id) {
    return errors::WithErrorInfo(
        errors::PermissionDenied(
            "WRONG_ORGANIZATION",
            absl::StrCat(ToAbsl(principal.id), " belongs to organization ",
                         errors::Quote(principal.organization), " and cannot access organization ",
                         errors::Quote(organization_id))),
        "WRONG_ORGANIZATION",
        {{"principal_organization", principal.organization},
         {"requested_organization", std::string(organization_id)}});
  }
  if (!RoleAllows(principal.role, access)) {
    return errors::WithErrorInfo(
        errors::PermissionDenied(
            "ROLE_TOO_LOW",
            absl::StrCat(ToAbsl(principal.id), " has role ", ToAbsl(RoleName(principal.role)),
                         ", which does not allow ", ToAbsl(AccessActivity(access)),
                         "; that needs role ", ToAbsl(RolesAllowing(access)))),
        "ROLE_TOO_LOW",
        {{"role", std::string(RoleName(principal.role))},
         {"required_access", std::string(AccessName(access))}});
  }
  return absl::OkStatus();
}

}  // namespace throughline::auth
