// The real throughline binary against the three services running in-process on a throwaway
// database: what a person typing commands sees, and the exit codes a script relies on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/auth/auth.h"
#include "libs/server/service_flags.h"
#include "services/alignment/alignment_server.h"
#include "services/offering/offering_server.h"
#include "services/segment/segment_server.h"
#include "tests/support/test_database.h"
#include "tests/support/wait.h"
#include "tests/tools/cli/cli_process.h"

namespace throughline::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kAdminToken[] = "demo-admin-token";
constexpr char kServiceToken[] = "suite-service-token";

class CliIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = throughline::testing::TestDatabase::Create();
    flags_.listen = "127.0.0.1:0";
    flags_.admin_listen = "";
    flags_.database_url = database_->url();
    flags_.shutdown_grace_seconds = 1;
    flags_.workers = 4;
    flags_.db_pool_size = 4;
    auto segments = segment::SegmentServer::Start(flags_, Tokens());
    ASSERT_TRUE(segments.ok()) << segments.status();
    segment_server_ = *std::move(segments);
    auto offerings = offering::OfferingServer::Start(
        flags_, {Address(segment_server_->port()), kServiceToken}, Tokens());
    ASSERT_TRUE(offerings.ok()) << offerings.status();
    offering_server_ = *std::move(offerings);
    alignment::AlignmentServerOptions options;
    options.segment_address = Address(segment_server_->port());
    options.offering_address = Address(offering_server_->port());
    options.service_token = kServiceToken;
    auto alignments = alignment::AlignmentServer::Start(flags_, options, Tokens());
    ASSERT_TRUE(alignments.ok()) << alignments.status();
    alignment_server_ = *std::move(alignments);
  }

  void TearDown() override {
    alignment_server_.reset();
    offering_server_.reset();
    segment_server_.reset();
    database_.reset();
  }

  static auth::TokenAuthenticator Tokens() {
    auth::TokenAuthenticator tokens;
    tokens.Add(kAdminToken, {"demo", "ada@demo.example", auth::Role::kAdmin});
    tokens.Add(kServiceToken, {std::string(auth::kAnyOrganization), "suite", auth::Role::kService});
    return tokens;
  }

  static std::string Address(int port) { return absl::StrCat("127.0.0.1:", port); }

  // The environment a user of the local suite would have set.
  std::vector<std::string> Environment() const {
    return {absl::StrCat("THROUGHLINE_TOKEN=", kAdminToken),
            absl::StrCat("THROUGHLINE_SEGMENT_ADDRESS=", Address(segment_server_->port())),
            absl::StrCat("THROUGHLINE_OFFERING_ADDRESS=", Address(offering_server_->port())),
            absl::StrCat("THROUGHLINE_ALIGNMENT_ADDRESS=", Address(alignment_server_->port()))};
  }

  CliResult Run(const std::vector<std::string>& args) const {
    return RunCli(THROUGHLINE_CLI_BINARY, args, Environment());
  }

  // Runs a command that must succeed.
  std::string Must(const std::vector<std::string>& args) const {
    const CliResult result = Run(args);
    EXPECT_EQ(result.exit_code, 0) << ::testing::PrintToString(args) << "\n" << result.err;
    return result.out;
  }

  void CreateMarket() const {
    Must({"markets", "create", "--id", "cloud-databases", "--display-name", "Cloud databases",
          "--decision", "compete", "--rationale", "Managed database spend grows fast."});
  }

  void CreateSegments() const {
    Must({"segments", "create", "cloud-databases", "--id", "diy-power-users", "--display-name",
          "DIY power users", "--targeting", "TARGETED", "--need",
          "configurability=CRITICAL:deep control", "--need", "tuning=HIGH"});
    Must({"segments", "create", "cloud-databases", "--id", "one-click-customers", "--display-name",
          "One-click customers", "--targeting", "CANDIDATE", "--need", "simplicity=CRITICAL",
          "--need", "configurability=LOW"});
  }

  // Managed PostgreSQL for the DIY power users, with the decision to hide most knobs.
  void CreateOfferingAndDecision() const {
    Must({"offerings", "create", "--id", "managed-postgresql", "--display-name",
          "Managed PostgreSQL", "--target-segment", "cloud-databases/diy-power-users",
          "--value-proposition", "PostgreSQL you fully control", "--knob",
          "synchronous_commit=EXPOSED:on:configurability"});
    Must({"decisions", "create", "managed-postgresql", "--id", "hide-most-knobs", "--title",
          "Hide most knobs to accelerate launch", "--why",
          "Fewer settings to validate lets customers start sooner.", "--owning-function",
          "engineering", "--state", "ACCEPTED", "--effect", "configurability=WEAKENS:3", "--effect",
          "simplicity=SUPPORTS:2"});
  }

  server::ServiceFlags flags_;
  std::unique_ptr<throughline::testing::TestDatabase> database_;
  std::unique_ptr<segment::SegmentServer> segment_server_;
  std::unique_ptr<offering::OfferingServer> offering_server_;
  std::unique_ptr<alignment::AlignmentServer> alignment_server_;
};

TEST_F(CliIntegrationTest, CreatesGetsListsAndUpdatesASegment) {
  CreateMarket();
  const CliResult created =
      Run({"segments", "create", "cloud-databases", "--id", "diy-power-users", "--display-name",
           "DIY power users", "--targeting", "targeted", "--need",
           "configurability=CRITICAL:deep control", "--need", "tuning=HIGH"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("revision:"));

  const std::string got = Must({"segments", "get", "cloud-databases/diy-power-users"});
  EXPECT_THAT(got, HasSubstr("name:"));
  EXPECT_THAT(got,
              HasSubstr("organizations/demo/markets/cloud-databases/segments/diy-power-users"));
  EXPECT_THAT(got, HasSubstr("\n  - configurability=CRITICAL:deep control\n  - tuning=HIGH\n"));

  const std::string listed = Must({"segments", "list", "cloud-databases"});
  EXPECT_THAT(listed, StartsWith("NAME "));
  EXPECT_THAT(listed, HasSubstr("markets/cloud-databases/segments/diy-power-users"));
  EXPECT_THAT(listed, HasSubstr("TARGETED"));

  const std::string updated =
      Must({"segments", "update", "cloud-databases/diy-power-users", "--priority", "3", "--json"});
  EXPECT_THAT(updated, HasSubstr("\"priority\": 3"));
  EXPECT_THAT(updated, HasSubstr("\"revision\": \"2\""));
  // Only the field given changed.
  EXPECT_THAT(updated, HasSubstr("\"displayName\": \"DIY power users\""));
  EXPECT_THAT(updated, HasSubstr("configurability"));
}

TEST_F(CliIntegrationTest, JsonInputCoversWhatFlagsDoNot) {
  CreateMarket();
  CreateSegments();
  Must({"segments", "update", "markets/cloud-databases/segments/one-click-customers", "--json",
        R"({"description": "Teams who want a database that just works"})"});
  const std::string got =
      Must({"--json", "segments", "get", "cloud-databases/one-click-customers"});
  EXPECT_THAT(got, HasSubstr("\"description\": \"Teams who want a database that just works\""));
  EXPECT_THAT(got, HasSubstr("simplicity"));
}

TEST_F(CliIntegrationTest, CoherenceFlagsTheDecisionThatWeakensACriticalNeed) {
  CreateMarket();
  CreateSegments();
  CreateOfferingAndDecision();
  const CliResult report = Run({"coherence", "managed-postgresql"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("Coherence score: "));
  EXPECT_THAT(report.out,
              HasSubstr("INCOHERENCE] offerings/managed-postgresql/decisions/hide-most-knobs "
                        "(configurability, CRITICAL)"));

  const std::string json = Must({"coherence", "managed-postgresql", "--json"});
  EXPECT_THAT(json, HasSubstr("\"kind\": \"INCOHERENCE\""));
  EXPECT_THAT(json, HasSubstr("\"score\": "));
}

TEST_F(CliIntegrationTest, AnInvalidRequestExitsTwoAndShowsTheFieldViolation) {
  CreateMarket();
  const CliResult result = Run({"segments", "create", "cloud-databases", "--id", "nameless",
                                "--targeting", "TARGETED", "--need", "simplicity=HIGH"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, StartsWith("error: INVALID_ARGUMENT: "));
  EXPECT_THAT(result.err, HasSubstr("\n  segment.display_name: "));
  EXPECT_THAT(result.err, HasSubstr("\n  reason: "));
  EXPECT_EQ(result.out, "");
}

TEST_F(CliIntegrationTest, ExitCodesTellMissingFromConflictingFromForbidden) {
  CreateMarket();
  EXPECT_EQ(Run({"markets", "get", "nowhere"}).exit_code, 3);
  EXPECT_EQ(Run({"markets", "create", "--id", "cloud-databases", "--display-name", "Again",
                 "--decision", "WATCH", "--rationale", "twice"})
                .exit_code,
            4);
  EXPECT_EQ(Run({"markets", "update", "cloud-databases", "--decision", "WATCH", "--etag", "stale"})
                .exit_code,
            4);
  EXPECT_EQ(Run({"--token", "not-a-token", "markets", "list"}).exit_code, 5);
  EXPECT_EQ(Run({"markets", "get", "organizations/acme/markets/dach"}).exit_code, 5);
}

TEST_F(CliIntegrationTest, ARetargetReachesTheWatchingOwnerAndTheStatusSaysNotAligned) {
  CreateMarket();
  CreateSegments();
  CreateOfferingAndDecision();
  Must({"functions", "update", "engineering", "--owner", "erin@demo.example"});
  CliProcess watch(THROUGHLINE_CLI_BINARY, {"watch", "tasks", "--owner", "erin@demo.example"},
                   Environment());

  Must({"retarget", "managed-postgresql", "--segment", "cloud-databases/one-click-customers",
        "--rationale", "One-click customers are the larger segment."});
  ASSERT_TRUE(throughline::testing::WaitFor(
      [&] { return watch.Out().find("revisit: KNOBS_AND_CONFIGURABILITY") != std::string::npos; },
      absl::Seconds(30)))
      << watch.Out() << watch.Err();
  EXPECT_THAT(watch.Out(), HasSubstr("functions/engineering (erin@demo.example)  OPEN"));
  EXPECT_THAT(watch.Out(),
              HasSubstr("targets markets/cloud-databases/segments/one-click-customers"));

  watch.Signal(SIGINT);  // Ctrl-C
  const CliResult ended = watch.Wait();
  EXPECT_EQ(ended.exit_code, 0) << ended.err;
  EXPECT_THAT(ended.err, HasSubstr("resume with --after "));

  const std::string status = Must({"status", "managed-postgresql"});
  EXPECT_THAT(status, HasSubstr("Not aligned"));
  EXPECT_THAT(status, HasSubstr("functions/engineering"));
  const std::string tasks = Must({"tasks", "list", "--function", "engineering", "--state", "OPEN"});
  EXPECT_THAT(tasks, HasSubstr("offerings/managed-postgresql"));
  EXPECT_THAT(tasks, Not(HasSubstr("functions/sales")));
}

}  // namespace
}  // namespace throughline::cli::testing
