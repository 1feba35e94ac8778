// Commitments: a function's own statement of the promise it delivers for an offering, with
// local metrics tied to need dimensions, confirmed for the current target-segment revision.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/services/alignment/alignment_fixture.h"

namespace throughline::alignment::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kEngineeringCommitment[] =
    "organizations/acme/offerings/managed-postgresql/commitments/engineering";

aln::Commitment EngineeringCommitment() {
  aln::Commitment commitment;
  commitment.set_statement("Every knob a DBA needs is exposed and documented.");
  auto* linked = commitment.add_local_metrics();
  linked->set_name("share of postgresql.conf settings exposed");
  linked->set_dimension("configurability");
  linked->set_note(">= 90%");
  auto* unlinked = commitment.add_local_metrics();
  unlinked->set_name("story points per sprint");
  return commitment;
}

class AlignmentCommitmentsTest : public AlignmentServiceTest {
 protected:
  void SetUp() override {
    AlignmentServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CreateReferenceScenario());
  }
};

TEST_F(AlignmentCommitmentsTest, CommitmentsCanBeCreatedReadListedAndUpdated) {
  auto created = suite().CreateCommitment(kManagedPostgres, "engineering", EngineeringCommitment());
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  EXPECT_EQ(created.value.name(), kEngineeringCommitment);
  EXPECT_EQ(created.value.statement(), EngineeringCommitment().statement());
  ASSERT_EQ(created.value.local_metrics_size(), 2);
  EXPECT_EQ(created.value.local_metrics(0).dimension(), "configurability");
  EXPECT_EQ(created.value.acknowledged_revision(), 0) << "only ConfirmCommitment sets it";
  EXPECT_EQ(
      suite().CreateCommitment(kManagedPostgres, "engineering", EngineeringCommitment()).code(),
      grpc::StatusCode::ALREADY_EXISTS);

  auto read = suite().GetCommitment(kEngineeringCommitment);
  ASSERT_TRUE(read.ok()) << Describe(read.status);
  EXPECT_EQ(read.value.uid(), created.value.uid());

  aln::Commitment support;
  support.set_statement("Experts answer experts within an hour.");
  ASSERT_TRUE(suite().CreateCommitment(kManagedPostgres, "support", support).ok());
  auto listed = suite().ListCommitments(kManagedPostgres);
  ASSERT_TRUE(listed.ok()) << Describe(listed.status);
  std::vector<std::string> names;
  for (const auto& commitment : listed.value.commitments()) names.push_back(commitment.name());
  EXPECT_THAT(names, UnorderedElementsAre(kEngineeringCommitment,
                                          std::string(kManagedPostgres) + "/commitments/support"));

  aln::Commitment change = read.value;
  change.set_statement("The knobs DBAs use daily are exposed; the rest are documented.");
  auto updated = suite().UpdateCommitment(change, {"statement"});
  ASSERT_TRUE(updated.ok()) << Describe(updated.status);
  EXPECT_EQ(updated.value.statement(), change.statement());
  EXPECT_EQ(updated.value.local_metrics_size(), 2) << "not in the mask: unchanged";
  EXPECT_NE(updated.value.etag(), read.value.etag());
  // The etag read before the update is stale now.
  EXPECT_EQ(suite().UpdateCommitment(change, {"statement"}).code(), grpc::StatusCode::ABORTED);
}

TEST_F(AlignmentCommitmentsTest, ConfirmingRecordsTheCurrentTargetRevision) {
  ASSERT_TRUE(
      suite().CreateCommitment(kManagedPostgres, "engineering", EngineeringCommitment()).ok());
  auto diy = suite().GetSegment(kDiy);
  ASSERT_TRUE(diy.ok()) << Describe(diy.status);

  auto confirmed = suite().ConfirmCommitment(kEngineeringCommitment, OwnerOf("engineering").token,
                                             "", "confirm-1");
  ASSERT_TRUE(confirmed.ok()) << Describe(confirmed.status);
  EXPECT_EQ(confirmed.value.acknowledged_segment(), kDiy);
  EXPECT_EQ(confirmed.value.acknowledged_revision(), diy.value.revision());
  auto replayed = suite().ConfirmCommitment(kEngineeringCommitment, OwnerOf("engineering").token,
                                            "", "confirm-1");
  ASSERT_TRUE(replayed.ok()) << Describe(replayed.status);
  EXPECT_EQ(replayed.value.etag(), confirmed.value.etag()) << "a replay returns the first result";

  // The offering moves to the one-click customers: the next confirmation is about them.
  RetargetToOneClick();
  auto oneclick = suite().GetSegment(kOneClick);
  ASSERT_TRUE(oneclick.ok()) << Describe(oneclick.status);
  auto reconfirmed =
      suite().ConfirmCommitment(kEngineeringCommitment, kAcmeEditor, confirmed.value.etag());
  ASSERT_TRUE(reconfirmed.ok()) << Describe(reconfirmed.status);
  EXPECT_EQ(reconfirmed.value.acknowledged_segment(), kOneClick);
  EXPECT_EQ(reconfirmed.value.acknowledged_revision(), oneclick.value.revision());
  EXPECT_EQ(
      suite().ConfirmCommitment(kEngineeringCommitment, kAcmeEditor, confirmed.value.etag()).code(),
      grpc::StatusCode::ABORTED);
}

TEST_F(AlignmentCommitmentsTest, OutputOnlyFieldsAreIgnoredOnInput) {
  aln::Commitment commitment = EngineeringCommitment();
  commitment.set_acknowledged_revision(42);
  commitment.set_acknowledged_segment(kOneClick);
  auto created = suite().CreateCommitment(kManagedPostgres, "engineering", commitment);
  ASSERT_TRUE(created.ok()) << Describe(created.status);
  EXPECT_EQ(created.value.acknowledged_revision(), 0);
  EXPECT_EQ(created.value.acknowledged_segment(), "");
}

TEST_F(AlignmentCommitmentsTest, InvalidCommitmentsNameTheFieldsAtFault) {
  aln::Commitment commitment;
  commitment.add_local_metrics()->set_dimension("configurability");  // no name
  auto* bad_dimension = commitment.add_local_metrics();
  bad_dimension->set_name("uptime");
  bad_dimension->set_dimension("Managed Reliability!");
  auto created = suite().CreateCommitment(kManagedPostgres, "engineering", commitment);
  EXPECT_EQ(created.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(created.status),
              UnorderedElementsAre("commitment.statement", "commitment.local_metrics[0].name",
                                   "commitment.local_metrics[1].dimension"));

  auto unknown_function =
      suite().CreateCommitment(kManagedPostgres, "legal", EngineeringCommitment());
  EXPECT_EQ(unknown_function.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(unknown_function.status), ElementsAre("function_id"));

  auto unknown_offering = suite().CreateCommitment("organizations/acme/offerings/nothing",
                                                   "engineering", EngineeringCommitment());
  EXPECT_EQ(unknown_offering.code(), grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE(
      suite().CreateCommitment(kManagedPostgres, "engineering", EngineeringCommitment()).ok());
  aln::Commitment emptied;
  emptied.set_name(kEngineeringCommitment);
  auto updated = suite().UpdateCommitment(emptied, {"statement"});
  EXPECT_EQ(updated.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(updated.status), ElementsAre("commitment.statement"));
}

TEST_F(AlignmentCommitmentsTest, AnOwnerCommitsAndConfirmsOnlyForItsOwnFunction) {
  const Owner& engineering = OwnerOf("engineering");
  const Owner& sales = OwnerOf("sales");
  auto own = suite().CreateCommitment(kManagedPostgres, "engineering", EngineeringCommitment(),
                                      engineering.token);
  ASSERT_TRUE(own.ok()) << Describe(own.status);
  auto other = suite().CreateCommitment(kManagedPostgres, "support", EngineeringCommitment(),
                                        engineering.token);
  EXPECT_EQ(other.code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(suite().ConfirmCommitment(kEngineeringCommitment, sales.token).code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(suite().ConfirmCommitment(kEngineeringCommitment, engineering.token).ok());
  EXPECT_EQ(suite().ConfirmCommitment(kEngineeringCommitment, kAcmeViewer).code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// EvaluateCoherence, on an offering service that reads the commitments from the alignment
// service, reports each local metric that serves no need of the target segment
// (UNLINKED_METRIC, LOW, on the commitment); the linked one is no finding. An offering service
// without the alignment service's address leaves the commitments out.
TEST_F(AlignmentCommitmentsTest, CoherenceReportsAMetricThatServesNoNeedOfTheSegment) {
  ASSERT_TRUE(
      suite().CreateCommitment(kManagedPostgres, "engineering", EngineeringCommitment()).ok());
  auto offering =
      StartOfferingReadingCommitments(absl::StrCat("127.0.0.1:", alignment_server().port()));
  ASSERT_NE(offering, nullptr);
  auto report = SuiteClientsOf(*offering)->EvaluateCoherence(kManagedPostgres);
  ASSERT_TRUE(report.ok()) << Describe(report.status);
  std::vector<off::Finding> unlinked;
  for (const auto& finding : report.value.findings()) {
    if (finding.kind() == off::Finding::UNLINKED_METRIC) unlinked.push_back(finding);
  }
  ASSERT_EQ(unlinked.size(), 1u) << report.value.DebugString();
  EXPECT_EQ(unlinked[0].resource(), kEngineeringCommitment);
  EXPECT_EQ(unlinked[0].severity(), off::Finding::LOW);
  EXPECT_THAT(unlinked[0].message(), ::testing::HasSubstr("\"story points per sprint\""));

  auto without = suite().EvaluateCoherence(kManagedPostgres);
  ASSERT_TRUE(without.ok()) << Describe(without.status);
  EXPECT_EQ(without.value.score(), report.value.score() + 4) << without.value.DebugString();
}

// Without the alignment service the commitments cannot be checked: EvaluateCoherence answers
// UNAVAILABLE, naming the service, rather than a report that leaves them out unsaid.
TEST_F(AlignmentCommitmentsTest, CoherenceIsUnavailableWhileTheCommitmentsCannotBeRead) {
  auto offering =
      StartOfferingReadingCommitments(absl::StrCat("127.0.0.1:", alignment_server().port()));
  ASSERT_NE(offering, nullptr);
  const auto clients = SuiteClientsOf(*offering);
  ASSERT_TRUE(clients->EvaluateCoherence(kManagedPostgres).ok());
  alignment_server().Shutdown();
  auto report = clients->EvaluateCoherence(kManagedPostgres);
  EXPECT_EQ(report.status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(report.status);
  EXPECT_THAT(report.status.error_message(), ::testing::HasSubstr("alignment"));
}

// PreviewSegmentChange's score after the change counts the commitments' metrics as
// EvaluateCoherence does: an unlinked one costs the offering 4 points.
TEST_F(AlignmentCommitmentsTest, APreviewsScoreCountsTheCommitmentsMetrics) {
  seg::Segment proposed;
  proposed.set_name(kDiy);
  *proposed.add_needs() = MakeNeed("configurability", type::v1::CRITICAL);
  *proposed.add_needs() = MakeNeed("tuning", type::v1::CRITICAL);
  auto before = suite().Preview(proposed, {"needs"});
  ASSERT_TRUE(before.ok()) << Describe(before.status);
  ASSERT_EQ(before.value.offerings_size(), 1);

  ASSERT_TRUE(
      suite().CreateCommitment(kManagedPostgres, "engineering", EngineeringCommitment()).ok());
  auto after = suite().Preview(proposed, {"needs"});
  ASSERT_TRUE(after.ok()) << Describe(after.status);
  ASSERT_EQ(after.value.offerings_size(), 1);
  EXPECT_EQ(after.value.offerings(0).score_after(), before.value.offerings(0).score_after() - 4);
}

}  // namespace
}  // namespace throughline::alignment::testing
