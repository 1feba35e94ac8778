#include "libs/auth/principal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/errors/errors.h"

namespace throughline::auth {
namespace {

using ::testing::HasSubstr;

constexpr Role kRoles[] = {Role::kViewer, Role::kOwner, Role::kEditor, Role::kAdmin,
                           Role::kService};
constexpr Access kAccesses[] = {Access::kRead, Access::kOwnerAction, Access::kWrite,
                                Access::kAdmin};

Principal Erin(Role role) { return Principal{"acme", "erin@acme.example", role}; }

TEST(RoleTest, RoleNamesRoundTripThroughParseRole) {
  for (Role role : kRoles) EXPECT_EQ(*ParseRole(RoleName(role)), role);
  EXPECT_EQ(RoleName(Role::kViewer), "viewer");
  EXPECT_EQ(RoleName(Role::kOwner), "owner");
  EXPECT_EQ(RoleName(Role::kEditor), "editor");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  EXPECT_EQ(RoleName(Role::kService), "service");
}

TEST(RoleTest, ParseRoleIgnoresCase) { EXPECT_EQ(*ParseRole("Editor"), Role::kEditor); }

TEST(RoleTest, UnknownRoleIsRejectedWithTheValidRoles) {
  absl::StatusOr<Role> role = ParseRole("superuser");
  EXPECT_EQ(role.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(role.status().message(),
            "unknown role \"superuser\"; roles: viewer, owner, editor, admin, service");
}

TEST(AuthorizeTest, EachRoleGrantsExactlyItsAccessesInItsOwnOrganization) {
  // Rows: roles in kRoles order; columns: read, owner action, write, admin.
  const bool kAllowed[5][4] = {
      {true, false, false, false},  // viewer
      {true, true, false, false},   // owner
      {true, true, true, false},    // editor
      {true, true, true, true},     // admin
      {true, false, false, false},  // service
  };
  for (int r = 0; r < 5; ++r) {
    for (int a = 0; a < 4; ++a) {
      absl::Status status = Authorize(Erin(kRoles[r]), "acme", kAccesses[a]);
      EXPECT_EQ(status.ok(), kAllowed[r][a])
          << RoleName(kRoles[r]) << " " << AccessName(kAccesses[a]) << ": " << status;
      EXPECT_EQ(RoleAllows(kRoles[r], kAccesses[a]), kAllowed[r][a]);
      if (!status.ok()) {
        EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
        EXPECT_EQ(errors::GetReason(status), "ROLE_TOO_LOW");
      }
    }
  }
}

TEST(AuthorizeTest, NoRoleReachesIntoAnotherOrganization) {
  for (Role role : kRoles) {
    for (Access access : kAccesses) {
      absl::Status status = Authorize(Erin(role), "globex", access);
      EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << RoleName(role);
      EXPECT_EQ(errors::GetReason(status), "WRONG_ORGANIZATION") << RoleName(role);
    }
  }
}

TEST(AuthorizeTest, WrongOrganizationNamesBothOrganizations) {
  absl::Status status = Authorize(Erin(Role::kAdmin), "globex", Access::kRead);
  EXPECT_EQ(status.message(),
            "erin@acme.example belongs to organization \"acme\" and cannot access organization "
            "\"globex\"");
  std::optional<google::rpc::ErrorInfo> info = errors::GetErrorInfo(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("principal_organization"), "acme");
  EXPECT_EQ(info->metadata().at("requested_organization"), "globex");
}

TEST(AuthorizeTest, WrongOrganizationIsReportedBeforeTheRole) {
  // A viewer of acme must not learn what it could do in globex.
  absl::Status status = Authorize(Erin(Role::kViewer), "globex", Access::kAdmin);
  EXPECT_EQ(errors::GetReason(status), "WRONG_ORGANIZATION");
}

TEST(AuthorizeTest, RoleTooLowNamesTheRoleHeldAndWhatIsNeeded) {
  absl::Status viewer = Authorize(Erin(Role::kViewer), "acme", Access::kWrite);
  EXPECT_EQ(viewer.message(),
            "erin@acme.example has role viewer, which does not allow writing; that needs role "
            "editor or admin");
  absl::Status owner_task = Authorize(Erin(Role::kViewer), "acme", Access::kOwnerAction);
  EXPECT_THAT(owner_task.message(), HasSubstr("acting on own tasks and commitments"));
  EXPECT_THAT(owner_task.message(), HasSubstr("owner, editor or admin"));
  absl::Status editor = Authorize(Erin(Role::kEditor), "acme", Access::kAdmin);
  EXPECT_THAT(editor.message(), HasSubstr("has role editor, which does not allow administration; "
                                          "that needs role admin"));
  EXPECT_EQ(errors::GetErrorInfo(editor)->metadata().at("role"), "editor");
  EXPECT_EQ(errors::GetErrorInfo(editor)->metadata().at("required_access"), "admin");
}

TEST(AuthorizeTest, ServiceWithAnyOrganizationReadsEveryOrganization) {
  const Principal alignment{"*", "alignment-service", Role::kService};
  for (std::string_view organization : {"acme", "globex", "demo"}) {
    EXPECT_TRUE(Authorize(alignment, organization, Access::kRead).ok()) << organization;
  }
}

TEST(AuthorizeTest, ServiceNeverWritesEvenWithAnyOrganization) {
  const Principal alignment{"*", "alignment-service", Role::kService};
  for (Access access : {Access::kOwnerAction, Access::kWrite, Access::kAdmin}) {
    absl::Status status = Authorize(alignment, "acme", access);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(errors::GetReason(status), "ROLE_TOO_LOW");
  }
}

TEST(AuthorizeTest, ServiceBoundToOneOrganizationReadsOnlyThatOne) {
  const Principal reporter{"acme", "reporting-service", Role::kService};
  EXPECT_TRUE(Authorize(reporter, "acme", Access::kRead).ok());
  EXPECT_EQ(errors::GetReason(Authorize(reporter, "globex", Access::kRead)), "WRONG_ORGANIZATION");
}

TEST(AuthorizeTest, AnyOrganizationMeansNothingForOtherRoles) {
  const Principal impostor{"*", "admin@nowhere", Role::kAdmin};
  EXPECT_EQ(errors::GetReason(Authorize(impostor, "acme", Access::kRead)), "WRONG_ORGANIZATION");
}

TEST(AuthorizeTest, WildcardOrganizationInARequestIsNotAnOrganizationOfTheCaller) {
  EXPECT_EQ(errors::GetReason(Authorize(Erin(Role::kAdmin), "-", Access::kRead)),
            "WRONG_ORGANIZATION");
}

}  // namespace
}  // namespace throughline::auth
