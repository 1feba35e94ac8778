// Issue 6 part 4, the matrix: every RPC of the three services (enumerated from their service
// descriptors, so a new RPC without a row fails the test) called by every kind of principal —
// no token, an unknown token, acme's viewer, owner, editor and admin, the suite's service
// account, and globex's editor — on acme's resources, and by acme's principals on globex's.
//
// The expected code follows DESIGN.md §9 and libs/auth/principal.h: UNAUTHENTICATED without a
// valid token; PERMISSION_DENIED (WRONG_ORGANIZATION) for another organization's name, checked
// before the role; PERMISSION_DENIED (ROLE_TOO_LOW) when the role does not grant the access
// (viewer and service: read; owner: + owner actions; editor: + write; admin: everything).
// A caller that is allowed gets the RPC's own answer. Writes are made so that an allowed caller
// is stopped by the data, not by authorization — creates name an existing id (ALREADY_EXISTS),
// updates, deletes and custom methods carry a stale etag (ABORTED) — so the whole matrix
// writes nothing, and the test checks that every row of every schema is unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/text_format.h"
#include "tests/security/security_fixture.h"

namespace throughline::security::testing {
namespace {

using alignment::testing::Describe;
using alignment::testing::ErrorReason;
using grpc::StatusCode;

// What an RPC needs from the caller's role (libs/auth Access, restated here so that the test
// does not take its expectations from the code under test).
enum class Needs { kRead, kOwnerAction, kWrite, kAdmin };

struct Principal {
  std::string label;
  std::string token;
  std::string organization;  // "" unauthenticated, "*" every organization (service)
  std::set<Needs> grants;
};

std::vector<Principal> Principals() {
  using namespace alignment::testing;  // NOLINT: the tokens
  const std::set<Needs> read = {Needs::kRead};
  const std::set<Needs> owner = {Needs::kRead, Needs::kOwnerAction};
  const std::set<Needs> editor = {Needs::kRead, Needs::kOwnerAction, Needs::kWrite};
  const std::set<Needs> admin = {Needs::kRead, Needs::kOwnerAction, Needs::kWrite, Needs::kAdmin};
  return {
      {"no token", "", "", {}},
      {"unknown token", kGarbageToken, "", {}},
      {"acme viewer", kAcmeViewer, "acme", read},
      // Owns the engineering function: the rows' owner actions are on engineering's resources.
      {"acme engineering owner", OwnerOf("engineering").token, "acme", owner},
      {"acme editor", kAcmeEditor, "acme", editor},
      {"acme admin", kAcmeAdmin, "acme", admin},
      {"service account", kServiceToken, "*", read},
      {"globex editor", kGlobexEditor, "globex", editor},
  };
}

struct Row {
  Needs needs;
  // The answer of an allowed caller.
  StatusCode allowed;
  // The request in protobuf text format; {parent}, {market}, ... are the target
  // organization's names (Organization).
  std::string request;
};

// One row per RPC, keyed by the method's full name.
const std::map<std::string, Row>& Rows() {
  static const auto* const kRows = new std::map<std::string, Row>{
      // ------------------------------------------------------------------------ segment
      {"throughline.segment.v1.SegmentService.CreateMarket",
       {Needs::kWrite, StatusCode::ALREADY_EXISTS,
        R"(parent: "{parent}" market_id: "cloud-databases"
           market { display_name: "Cloud databases" decision: COMPETE rationale: "Spend grows." })"}},
      {"throughline.segment.v1.SegmentService.GetMarket",
       {Needs::kRead, StatusCode::OK, R"(name: "{market}")"}},
      {"throughline.segment.v1.SegmentService.ListMarkets",
       {Needs::kRead, StatusCode::OK, R"(parent: "{parent}")"}},
      {"throughline.segment.v1.SegmentService.UpdateMarket",
       {Needs::kWrite, StatusCode::ABORTED,
        R"(market { name: "{market}" rationale: "Changed." etag: "\"stale\"" }
           update_mask { paths: "rationale" })"}},
      {"throughline.segment.v1.SegmentService.DeleteMarket",
       {Needs::kWrite, StatusCode::ABORTED, R"(name: "{market}" etag: "\"stale\"" force: true)"}},
      {"throughline.segment.v1.SegmentService.CreateSegment",
       {Needs::kWrite, StatusCode::ALREADY_EXISTS,
        R"(parent: "{market}" segment_id: "diy-power-users"
           segment { display_name: "DIY" targeting: CANDIDATE
                     needs { dimension: "configurability" importance: HIGH } })"}},
      {"throughline.segment.v1.SegmentService.GetSegment",
       {Needs::kRead, StatusCode::OK, R"(name: "{diy}")"}},
      {"throughline.segment.v1.SegmentService.ListSegments",
       {Needs::kRead, StatusCode::OK, R"(parent: "{market}")"}},
      {"throughline.segment.v1.SegmentService.UpdateSegment",
       {Needs::kWrite, StatusCode::ABORTED,
        R"(segment { name: "{diy}" description: "Changed." etag: "\"stale\"" }
           update_mask { paths: "description" })"}},
      {"throughline.segment.v1.SegmentService.DeleteSegment",
       {Needs::kWrite, StatusCode::ABORTED, R"(name: "{diy}" etag: "\"stale\"")"}},
      {"throughline.segment.v1.SegmentService.WatchSegmentEvents",
       {Needs::kRead, StatusCode::OK, R"(parent: "{parent}")"}},
      // ----------------------------------------------------------------------- offering
      {"throughline.offering.v1.OfferingService.CreateOffering",
       {Needs::kWrite, StatusCode::ALREADY_EXISTS,
        R"(parent: "{parent}" offering_id: "managed-postgresql"
           offering { display_name: "Managed PostgreSQL" target_segment: "{diy}"
                      value_proposition: "PostgreSQL you control." })"}},
      {"throughline.offering.v1.OfferingService.GetOffering",
       {Needs::kRead, StatusCode::OK, R"(name: "{offering}")"}},
      {"throughline.offering.v1.OfferingService.ListOfferings",
       {Needs::kRead, StatusCode::OK, R"(parent: "{parent}")"}},
      {"throughline.offering.v1.OfferingService.UpdateOffering",
       {Needs::kWrite, StatusCode::ABORTED,
        R"(offering { name: "{offering}" positioning: "Changed." etag: "\"stale\"" }
           update_mask { paths: "positioning" })"}},
      {"throughline.offering.v1.OfferingService.DeleteOffering",
       {Needs::kWrite, StatusCode::ABORTED, R"(name: "{offering}" etag: "\"stale\"")"}},
      {"throughline.offering.v1.OfferingService.RetargetOffering",
       {Needs::kWrite, StatusCode::ABORTED,
        R"(name: "{offering}" target_segment: "{diy}" rationale: "Back to power users."
           etag: "\"stale\"")"}},
      {"throughline.offering.v1.OfferingService.CreateDecision",
       {Needs::kWrite, StatusCode::ALREADY_EXISTS,
        R"(parent: "{offering}" decision_id: "hide-most-knobs"
           decision { title: "Hide knobs" why: "Customers value simplicity."
                      owning_function: "engineering" state: PROPOSED })"}},
      {"throughline.offering.v1.OfferingService.GetDecision",
       {Needs::kRead, StatusCode::OK, R"(name: "{decision}")"}},
      {"throughline.offering.v1.OfferingService.ListDecisions",
       {Needs::kRead, StatusCode::OK, R"(parent: "{offering}")"}},
      {"throughline.offering.v1.OfferingService.UpdateDecision",
       {Needs::kWrite, StatusCode::ABORTED,
        R"(decision { name: "{decision}" how: "Changed." etag: "\"stale\"" }
           update_mask { paths: "how" })"}},
      {"throughline.offering.v1.OfferingService.DeleteDecision",
       {Needs::kWrite, StatusCode::ABORTED, R"(name: "{decision}" etag: "\"stale\"")"}},
      {"throughline.offering.v1.OfferingService.EvaluateCoherence",
       {Needs::kRead, StatusCode::OK, R"(name: "{offering}")"}},
      {"throughline.offering.v1.OfferingService.WatchOfferingEvents",
       {Needs::kRead, StatusCode::OK, R"(parent: "{parent}")"}},
      // ---------------------------------------------------------------------- alignment
      {"throughline.alignment.v1.AlignmentService.CreateFunction",
       {Needs::kAdmin, StatusCode::ALREADY_EXISTS,
        R"(parent: "{parent}" function_id: "engineering" function { display_name: "Eng" })"}},
      {"throughline.alignment.v1.AlignmentService.GetFunction",
       {Needs::kRead, StatusCode::OK, R"(name: "{engineering}")"}},
      {"throughline.alignment.v1.AlignmentService.ListFunctions",
       {Needs::kRead, StatusCode::OK, R"(parent: "{parent}")"}},
      {"throughline.alignment.v1.AlignmentService.UpdateFunction",
       {Needs::kAdmin, StatusCode::ABORTED,
        R"(function { name: "{engineering}" display_name: "Changed" etag: "\"stale\"" }
           update_mask { paths: "display_name" })"}},
      // The five default functions cannot be deleted: the refusal comes after authorization.
      {"throughline.alignment.v1.AlignmentService.DeleteFunction",
       {Needs::kAdmin, StatusCode::FAILED_PRECONDITION,
        R"(name: "{engineering}" etag: "\"stale\"")"}},
      {"throughline.alignment.v1.AlignmentService.CreateCommitment",
       {Needs::kOwnerAction, StatusCode::ALREADY_EXISTS,
        R"(parent: "{offering}" function_id: "engineering"
           commitment { statement: "Every knob documented." })"}},
      {"throughline.alignment.v1.AlignmentService.GetCommitment",
       {Needs::kRead, StatusCode::OK, R"(name: "{commitment}")"}},
      {"throughline.alignment.v1.AlignmentService.ListCommitments",
       {Needs::kRead, StatusCode::OK, R"(parent: "{offering}")"}},
      {"throughline.alignment.v1.AlignmentService.UpdateCommitment",
       {Needs::kOwnerAction, StatusCode::ABORTED,
        R"(commitment { name: "{commitment}" statement: "Changed." etag: "\"stale\"" }
           update_mask { paths: "statement" })"}},
      {"throughline.alignment.v1.AlignmentService.ConfirmCommitment",
       {Needs::kOwnerAction, StatusCode::ABORTED, R"(name: "{commitment}" etag: "\"stale\"")"}},
      {"throughline.alignment.v1.AlignmentService.GetTask",
       {Needs::kRead, StatusCode::OK, R"(name: "{task}")"}},
      {"throughline.alignment.v1.AlignmentService.ListTasks",
       {Needs::kRead, StatusCode::OK, R"(parent: "{parent}")"}},
      {"throughline.alignment.v1.AlignmentService.AcknowledgeTask",
       {Needs::kOwnerAction, StatusCode::ABORTED, R"(name: "{task}" etag: "\"stale\"")"}},
      {"throughline.alignment.v1.AlignmentService.ResolveTask",
       {Needs::kOwnerAction, StatusCode::ABORTED,
        R"(name: "{task}" etag: "\"stale\""
           resolution { kind: REAFFIRMED reason: "The design holds." })"}},
      {"throughline.alignment.v1.AlignmentService.WatchTasks",
       {Needs::kRead, StatusCode::OK, R"(parent: "{parent}" function: "{engineering}")"}},
      {"throughline.alignment.v1.AlignmentService.GetAlignmentStatus",
       {Needs::kRead, StatusCode::OK, R"(offering: "{offering}")"}},
      {"throughline.alignment.v1.AlignmentService.PreviewSegmentChange",
       {Needs::kRead, StatusCode::OK,
        R"(segment { name: "{one_click}" needs { dimension: "simplicity" importance: LOW } }
           update_mask { paths: "needs" })"}},
  };
  return *kRows;
}

std::string Fill(const std::string& request, const Organization& target) {
  return absl::StrReplaceAll(request, {{"{parent}", target.parent},
                                       {"{market}", target.market},
                                       {"{diy}", target.diy},
                                       {"{one_click}", target.one_click},
                                       {"{offering}", target.offering},
                                       {"{decision}", target.decision},
                                       {"{engineering}", target.engineering},
                                       {"{commitment}", target.commitment},
                                       {"{task}", target.task}});
}

struct Expected {
  StatusCode code;
  std::string reason;  // ErrorInfo reason, for refusals
};

Expected ExpectedFor(const Principal& principal, const Row& row, const Organization& target) {
  if (principal.organization.empty()) return {StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED"};
  if (principal.organization != "*" && principal.organization != target.id) {
    return {StatusCode::PERMISSION_DENIED, "WRONG_ORGANIZATION"};
  }
  if (!principal.grants.contains(row.needs)) {
    return {StatusCode::PERMISSION_DENIED, "ROLE_TOO_LOW"};
  }
  return {row.allowed, ""};
}

class TenancyMatrixTest : public SecuritySuiteTest {};

TEST_F(TenancyMatrixTest, EveryRpcHasARowInTheMatrix) {
  std::set<std::string> methods;
  for (const auto* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string name(service->method(i)->full_name());
      methods.insert(name);
      EXPECT_TRUE(Rows().contains(name)) << name << " is not in the matrix: add its row";
    }
  }
  for (const auto& [name, row] : Rows()) {
    EXPECT_TRUE(methods.contains(name)) << name << " is in the matrix but not in any service";
  }
  EXPECT_EQ(methods.size(), 41u) << "segment 11 + offering 13 + alignment 17";
}

// Every RPC × every principal on acme's names, and acme's principals on globex's names: the
// code and reason of the matrix, nothing of globex in any answer, nothing written anywhere.
TEST_F(TenancyMatrixTest, EveryRpcAnswersEveryPrincipalAsTheMatrixSays) {
  struct Cell {
    const Principal* principal;
    const Organization* target;
  };
  const std::vector<Principal> principals = Principals();
  std::vector<Cell> cells;
  for (const auto& principal : principals) cells.push_back({&principal, &acme()});
  for (const auto& principal : principals) {
    if (principal.organization == "acme") cells.push_back({&principal, &globex()});
  }

  const DatabaseSnapshot before = Snapshot();
  int calls = 0;
  std::map<StatusCode, int> by_code;
  for (const auto* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const auto& method = *service->method(i);
      const auto row = Rows().find(std::string(method.full_name()));
      if (row == Rows().end()) continue;  // EveryRpcHasARowInTheMatrix fails
      for (const Cell& cell : cells) {
        SCOPED_TRACE(absl::StrCat(method.full_name(), " by ", cell.principal->label, " on ",
                                  cell.target->id));
        auto request = NewRequest(method);
        ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
            Fill(row->second.request, *cell.target), request.get()));
        const RawResult result = Call(ChannelOf(*service), method, *request, cell.principal->token);
        ++calls;
        const Expected expected = ExpectedFor(*cell.principal, row->second, *cell.target);
        // A stream that delivered its first message was accepted (then cancelled by us).
        const StatusCode code = result.stream_started ? StatusCode::OK : result.status.error_code();
        ++by_code[code];
        EXPECT_EQ(code, expected.code) << Describe(result.status);
        if (!expected.reason.empty() && code == expected.code) {
          EXPECT_EQ(ErrorReason(result.status), expected.reason) << Describe(result.status);
          EXPECT_FALSE(result.status.error_message().empty());
        }
        if (code == StatusCode::OK) {
          EXPECT_FALSE(result.responses.empty());
          for (const auto& response : result.responses) {
            EXPECT_NE(ParseResponse(method, response), nullptr) << "unparsable response";
          }
        }
        const bool acme_caller = cell.principal->organization != "globex";
        if (acme_caller) {
          EXPECT_THAT(GlobexLeaksIn(result, cell.target->id == "acme"), ::testing::IsEmpty());
        }
      }
    }
  }
  EXPECT_EQ(calls, 41 * 12);
  std::vector<std::string> summary;
  for (const auto& [code, count] : by_code) summary.push_back(absl::StrCat(code, ": ", count));
  RecordProperty("calls", calls);
  RecordProperty("codes", absl::StrJoin(summary, ", "));
  std::cout << "matrix: " << calls << " calls; codes " << absl::StrJoin(summary, ", ") << "\n";

  EXPECT_EQ(SnapshotDifference(before, Snapshot()), "") << "the matrix changed stored data";
}

}  // namespace
}  // namespace throughline::security::testing
