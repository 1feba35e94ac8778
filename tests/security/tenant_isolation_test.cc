// Issue 6 part 4, the ways around a name: acme's principals reaching for globex by a page
// token globex was given, by a filter naming globex's resources, and by an event
// subscription (globex's organization, every organization, or a subject in globex). Each is
// refused with the right code, and nothing of globex is ever returned to acme. The wall is the
// authorization layer (libs/auth, checked in every catalog method and watch); there is no
// row-level security behind it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/security/security_fixture.h"

namespace throughline::security::testing {
namespace {

using alignment::testing::Describe;
using alignment::testing::ErrorReason;
using alignment::testing::kAcmeAdmin;
using alignment::testing::kAcmeEditor;
using alignment::testing::kAcmeViewer;
using alignment::testing::kGlobexEditor;
using alignment::testing::kServiceToken;
using alignment::testing::MakeNeed;
using alignment::testing::TaskWatcher;
using alignment::testing::ViolatedFields;
using grpc::StatusCode;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kSegmentService[] = "throughline.segment.v1.SegmentService.";
constexpr char kOfferingService[] = "throughline.offering.v1.OfferingService.";
constexpr char kAlignmentService[] = "throughline.alignment.v1.AlignmentService.";

class TenantIsolationTest : public SecuritySuiteTest {
 protected:
  std::string NextPageToken(const RawResult& result, std::string_view method) {
    if (!result.status.ok() || result.responses.empty()) return "";
    auto response = ParseResponse(Method(method), result.responses[0]);
    if (response == nullptr) return "";
    return response->GetReflection()->GetString(
        *response, response->GetDescriptor()->FindFieldByName("next_page_token"));
  }

  void ExpectRefused(const RawResult& result, StatusCode code, std::string_view reason) {
    EXPECT_EQ(result.status.error_code(), code) << Describe(result.status);
    EXPECT_FALSE(result.stream_started);
    EXPECT_EQ(ErrorReason(result.status), reason) << Describe(result.status);
    EXPECT_THAT(GlobexLeaksIn(result, true), IsEmpty());
  }
};

TEST_F(TenantIsolationTest, AcmeCannotReplayAPageTokenGivenToGlobex) {
  // Two of everything in globex, so that each listing has a second page.
  ASSERT_TRUE(suite()
                  .CreateMarket("edge-databases", alignment::testing::CloudDatabases(),
                                kGlobexEditor, globex().parent)
                  .ok());
  ASSERT_TRUE(suite()
                  .CreateOffering("second-offering",
                                  alignment::testing::ManagedPostgres(globex().one_click),
                                  kGlobexEditor, globex().parent)
                  .ok());
  ASSERT_TRUE(suite()
                  .CreateDecision(globex().offering, "usage-based-pricing",
                                  alignment::testing::UsageBasedPricing(), kGlobexEditor)
                  .ok());
  aln::Commitment commitment;
  commitment.set_statement("Onboarding in one click.");
  ASSERT_TRUE(
      suite().CreateCommitment(globex().offering, "product", commitment, kGlobexEditor).ok());

  struct Listing {
    std::string method;
    std::string globex_parent;
    std::string acme_parent;
  };
  const std::vector<Listing> listings = {
      {"ListMarkets", globex().parent, acme().parent},
      {"ListSegments", globex().market, acme().market},
      {"ListOfferings", globex().parent, acme().parent},
      {"ListDecisions", globex().offering, acme().offering},
      {"ListFunctions", globex().parent, acme().parent},
      {"ListCommitments", globex().offering, acme().offering},
      {"ListTasks", globex().parent, acme().parent},
  };
  const DatabaseSnapshot before = Snapshot();
  for (const auto& listing : listings) {
    const std::string service = absl::StartsWith(listing.method, "ListMarkets") ||
                                        absl::StartsWith(listing.method, "ListSegments")
                                    ? kSegmentService
                                : absl::StartsWith(listing.method, "ListOfferings") ||
                                        absl::StartsWith(listing.method, "ListDecisions")
                                    ? kOfferingService
                                    : kAlignmentService;
    const std::string method = service + listing.method;
    SCOPED_TRACE(method);
    const std::string token = NextPageToken(
        CallText(method, absl::StrCat("parent: \"", listing.globex_parent, "\" page_size: 1"),
                 kGlobexEditor),
        method);
    ASSERT_FALSE(token.empty()) << "globex's first page has a next page";

    // Replayed under acme's own parent: the token is bound to globex's query.
    const RawResult own_parent = CallText(
        method, absl::StrCat("parent: \"", listing.acme_parent, "\" page_token: \"", token, "\""),
        kAcmeEditor);
    EXPECT_EQ(own_parent.status.error_code(), StatusCode::INVALID_ARGUMENT)
        << Describe(own_parent.status);
    EXPECT_THAT(ViolatedFields(own_parent.status), ElementsAre("page_token"));
    EXPECT_THAT(own_parent.status.error_message(), HasSubstr("different query"));
    EXPECT_THAT(GlobexLeaksIn(own_parent, true), IsEmpty());

    // Replayed under globex's parent: refused as any globex name is.
    const RawResult globex_parent = CallText(
        method, absl::StrCat("parent: \"", listing.globex_parent, "\" page_token: \"", token, "\""),
        kAcmeEditor);
    ExpectRefused(globex_parent, StatusCode::PERMISSION_DENIED, "WRONG_ORGANIZATION");
  }
  EXPECT_EQ(SnapshotDifference(before, Snapshot()), "");
}

TEST_F(TenantIsolationTest, FiltersNamingGlobexNeverReturnGlobexRows) {
  const DatabaseSnapshot before = Snapshot();
  struct Case {
    std::string method;
    std::string request;
  };
  const std::vector<Case> cases = {
      {std::string(kSegmentService) + "ListSegments",
       absl::StrCat("parent: \"", acme().market, "\" filter: 'market = \"", globex().market,
                    "\"'")},
      {std::string(kSegmentService) + "ListSegments",
       absl::StrCat("parent: \"", acme().parent, "/markets/-\" filter: 'market = \"",
                    globex().market, "\"'")},
      {std::string(kOfferingService) + "ListOfferings",
       absl::StrCat("parent: \"", acme().parent, "\" filter: 'target_segment = \"",
                    globex().one_click, "\"'")},
      {std::string(kAlignmentService) + "ListTasks",
       absl::StrCat("parent: \"", acme().parent, "\" filter: 'offering = \"", globex().offering,
                    "\"'")},
      {std::string(kAlignmentService) + "ListTasks",
       absl::StrCat("parent: \"", acme().parent, "\" filter: 'function = \"", globex().engineering,
                    "\"'")},
      {std::string(kSegmentService) + "WatchSegmentEvents",
       absl::StrCat("parent: \"", acme().parent, "\" filter: 'subject = \"", globex().market,
                    "\"'")},
      {std::string(kOfferingService) + "WatchOfferingEvents",
       absl::StrCat("parent: \"", acme().parent, "\" filter: 'subject = \"", globex().offering,
                    "\"'")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.request);
    // A name in another organization is refused as such wherever it appears (DESIGN.md §9).
    ExpectRefused(CallText(c.method, c.request, kAcmeEditor), StatusCode::PERMISSION_DENIED,
                  "WRONG_ORGANIZATION");
  }
  // WatchTasks' function is a field of the request, not a filter: invalid input naming it.
  const RawResult watch = CallText(
      std::string(kAlignmentService) + "WatchTasks",
      absl::StrCat("parent: \"", acme().parent, "\" function: \"", globex().engineering, "\""),
      kAcmeEditor);
  ExpectRefused(watch, StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT");
  EXPECT_THAT(ViolatedFields(watch.status), ElementsAre("function"));

  EXPECT_EQ(SnapshotDifference(before, Snapshot()), "");
}

TEST_F(TenantIsolationTest, OnlyServiceAccountsWatchEveryOrganization) {
  for (const std::string& method : {std::string(kSegmentService) + "WatchSegmentEvents",
                                    std::string(kOfferingService) + "WatchOfferingEvents"}) {
    for (const char* token : {kAcmeViewer, kAcmeEditor, kAcmeAdmin, kGlobexEditor}) {
      SCOPED_TRACE(absl::StrCat(method, " by ", token));
      ExpectRefused(CallText(method, R"(parent: "organizations/-")", token),
                    StatusCode::PERMISSION_DENIED, "ROLE_TOO_LOW");
    }
    const RawResult service = CallText(method, R"(parent: "organizations/-")", kServiceToken);
    EXPECT_TRUE(service.stream_started) << method << ": " << Describe(service.status);
  }
  // Tasks are watched per organization only, by anyone.
  for (const char* token : {kAcmeAdmin, kServiceToken}) {
    SCOPED_TRACE(token);
    const RawResult tasks = CallText(
        std::string(kAlignmentService) + "WatchTasks",
        absl::StrCat(R"(parent: "organizations/-" function: ")", acme().engineering, "\""), token);
    EXPECT_EQ(tasks.status.error_code(), StatusCode::INVALID_ARGUMENT) << Describe(tasks.status);
    EXPECT_THAT(ViolatedFields(tasks.status), ElementsAre("parent"));
    EXPECT_FALSE(tasks.stream_started);
  }
  // Listing segments across organizations ("organizations/-/markets/-") is a service's read.
  ExpectRefused(CallText(std::string(kSegmentService) + "ListSegments",
                         R"(parent: "organizations/-/markets/-")", kAcmeAdmin),
                StatusCode::PERMISSION_DENIED, "WRONG_ORGANIZATION");
}

// Globex changes first, acme second; acme's streams read from the start of each log until
// acme's change arrives. The logs are in commit order, so a leaked globex event would have
// arrived before it.
TEST_F(TenantIsolationTest, AcmesEventStreamsCarryNothingOfGlobex) {
  constexpr char kAcmeChange[] = "acme-after-globex";
  suite().SetNeeds(globex().one_click, {MakeNeed("simplicity", type::v1::CRITICAL, kGlobexMarker)},
                   kGlobexEditor);
  off::Offering globex_offering;
  globex_offering.set_name(globex().offering);
  globex_offering.set_positioning(kGlobexMarker);
  ASSERT_TRUE(suite().UpdateOffering(globex_offering, {"positioning"}, kGlobexEditor).ok());

  TaskWatcher watcher(suite().alignment(), kAcmeViewer, "", acme().engineering, "", acme().parent);
  suite().SetNeeds(acme().one_click, {MakeNeed("simplicity", type::v1::CRITICAL, kAcmeChange)});
  off::Offering acme_offering;
  acme_offering.set_name(acme().offering);
  acme_offering.set_positioning(kAcmeChange);
  ASSERT_TRUE(suite().UpdateOffering(acme_offering, {"positioning"}).ok());

  auto until_acme_change = [&](const std::vector<std::string>& responses) {
    return absl::StrContains(responses.back(), kAcmeChange);
  };
  for (const std::string& method : {std::string(kSegmentService) + "WatchSegmentEvents",
                                    std::string(kOfferingService) + "WatchOfferingEvents"}) {
    SCOPED_TRACE(method);
    const RawResult stream = CallText(method, absl::StrCat("parent: \"", acme().parent, "\""),
                                      kAcmeViewer, until_acme_change);
    ASSERT_TRUE(stream.stream_started) << Describe(stream.status);
    EXPECT_TRUE(absl::StrContains(stream.responses.back(), kAcmeChange))
        << "acme's change did not arrive: " << Describe(stream.status);
    EXPECT_THAT(GlobexLeaksIn(stream, true), IsEmpty());
  }

  // Acme's needs change created a task for engineering; globex's did too, in globex.
  ASSERT_TRUE(watcher.WaitForTask([&](const aln::WatchTasksResponse& message) {
    return message.kind() == aln::WatchTasksResponse::CREATED &&
           message.task().trigger().event_type() == "throughline.segment.v1.segment_changed";
  })) << Describe(watcher.status());
  for (const auto& message : watcher.messages()) {
    EXPECT_TRUE(absl::StartsWith(message.task().name(), acme().parent + "/"))
        << message.ShortDebugString();
    EXPECT_THAT(GlobexSecretsIn(message.SerializeAsString()), IsEmpty());
  }
}

}  // namespace
}  // namespace throughline::security::testing
