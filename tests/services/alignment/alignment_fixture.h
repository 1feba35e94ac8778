// The whole suite in-process for the alignment service's integration tests: one throwaway
// database (each service keeps its own schema in it), the segment, offering and alignment
// servers on port 0, the services calling each other with a service-account token, and the
// clients of suite_clients.h pointed at them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/auth/auth.h"
#include "libs/server/service_flags.h"
#include "services/alignment/alignment_server.h"
#include "services/offering/offering_server.h"
#include "services/segment/segment_server.h"
#include "tests/services/alignment/alignment_scenario.h"
#include "tests/services/alignment/suite_clients.h"
#include "tests/support/test_database.h"
#include "tests/support/wait.h"

namespace throughline::alignment::testing {

inline constexpr char kSegmentChanged[] = "throughline.segment.v1.segment_changed";

inline std::vector<int> AsInts(const std::vector<aln::Area>& areas) {
  return {areas.begin(), areas.end()};
}

class AlignmentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = throughline::testing::TestDatabase::Create();
    flags_.listen = "127.0.0.1:0";
    flags_.admin_listen = "";
    flags_.database_url = database_->url();
    flags_.shutdown_grace_seconds = 1;
    flags_.workers = 4;
    flags_.db_pool_size = 4;

    auto tokens = auth::TokenAuthenticator::FromString(TokensFile(), "test tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    tokens_ = *std::move(tokens);

    auto segment = segment::SegmentServer::Start(flags_, tokens_);
    ASSERT_TRUE(segment.ok()) << segment.status();
    segment_server_ = *std::move(segment);
    const std::string segment_address = absl::StrCat("127.0.0.1:", segment_server_->port());

    auto offering = offering::OfferingServer::Start(
        flags_, offering::OfferingServerOptions{segment_address, kServiceToken}, tokens_);
    ASSERT_TRUE(offering.ok()) << offering.status();
    offering_server_ = *std::move(offering);
    const std::string offering_address = absl::StrCat("127.0.0.1:", offering_server_->port());

    options_.segment_address = segment_address;
    options_.offering_address = offering_address;
    options_.service_token = kServiceToken;
    ASSERT_NO_FATAL_FAILURE(StartAlignmentServer());
    clients_ = std::make_unique<SuiteClients>(
        segment_address, offering_address, absl::StrCat("127.0.0.1:", alignment_server_->port()));
  }

  void TearDown() override {
    clients_.reset();
    alignment_server_.reset();
    offering_server_.reset();
    segment_server_.reset();
    database_.reset();
  }

  // Options a test fixture may change before SetUp (e.g. a tiny task_due_after).
  AlignmentServerOptions& options() { return options_; }

  // Starts (or, stopped or not, replaces) the alignment server; the clients follow its port.
  // A server replaced is gone first: while it lived, it could still hold the subscriptions
  // the new one tries to take (and a new one with a long lock retry would not try again).
  void StartAlignmentServer() {
    alignment_server_.reset();
    auto server = AlignmentServer::Start(flags_, options_, tokens_);
    ASSERT_TRUE(server.ok()) << server.status();
    alignment_server_ = *std::move(server);
    if (clients_ != nullptr) {
      clients_ = std::make_unique<SuiteClients>(
          options_.segment_address, options_.offering_address,
          absl::StrCat("127.0.0.1:", alignment_server_->port()));
    }
  }

  // Another offering replica, which reads the functions' commitments from this suite's
  // alignment server for its coherence reports (the first one cannot: it starts before the
  // alignment server, whose port it does not know). Clients of it: SuiteClientsOf.
  std::unique_ptr<offering::OfferingServer> StartOfferingReadingCommitments(
      const std::string& alignment_address) {
    offering::OfferingServerOptions offering_options{options_.segment_address, kServiceToken};
    offering_options.alignment_address = alignment_address;
    auto offering = offering::OfferingServer::Start(flags_, offering_options, tokens_);
    EXPECT_TRUE(offering.ok()) << offering.status();
    return offering.ok() ? *std::move(offering) : nullptr;
  }

  // Clients of this suite whose offering calls go to `offering`.
  std::unique_ptr<SuiteClients> SuiteClientsOf(const offering::OfferingServer& offering) const {
    return std::make_unique<SuiteClients>(options_.segment_address,
                                          absl::StrCat("127.0.0.1:", offering.port()),
                                          absl::StrCat("127.0.0.1:", alignment_server_->port()));
  }

  SuiteClients& suite() { return *clients_; }
  aln::AlignmentService::Stub& alignment() { return clients_->alignment(); }
  AlignmentServer& alignment_server() { return *alignment_server_; }

  // Owners assigned, the reference segments and the offering with its decision.
  void CreateReferenceScenario() {
    ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());
    ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceSegments());
    ASSERT_NO_FATAL_FAILURE(suite().CreateReferenceOffering());
  }

  // Retargets Managed PostgreSQL to the one-click customers and returns its five tasks.
  std::vector<aln::Task> RetargetToOneClick() {
    auto retargeted =
        suite().Retarget(kManagedPostgres, kOneClick,
                         "PostgreSQL that just works: running in minutes, reliability is our job.");
    EXPECT_TRUE(retargeted.ok()) << Describe(retargeted.status);
    return TasksOf(kManagedPostgres, "throughline.offering.v1.offering_retargeted", 5);
  }

  // The `count` tasks of `offering` triggered by an event of `event_type`, newest trigger
  // revision first, waiting for them.
  std::vector<aln::Task> TasksOf(const std::string& offering, const std::string& event_type,
                                 size_t count, int64_t revision = 0) {
    return suite().WaitForTasks(
        [&](const aln::Task& task) {
          return task.offering() == offering && task.trigger().event_type() == event_type &&
                 (revision == 0 || task.trigger().revision() == revision);
        },
        count);
  }

  static const aln::Task* TaskOfFunction(const std::vector<aln::Task>& tasks,
                                         const std::string& function_id) {
    for (const auto& task : tasks) {
      if (FunctionIdOf(task.function()) == function_id) return &task;
    }
    return nullptr;
  }

  const server::ServiceFlags& flags() const { return flags_; }

 private:
  server::ServiceFlags flags_;
  auth::TokenAuthenticator tokens_;
  AlignmentServerOptions options_;
  std::unique_ptr<throughline::testing::TestDatabase> database_;
  std::unique_ptr<segment::SegmentServer> segment_server_;
  std::unique_ptr<offering::OfferingServer> offering_server_;
  std::unique_ptr<AlignmentServer> alignment_server_;
  std::unique_ptr<SuiteClients> clients_;
};

}  // namespace throughline::alignment::testing
