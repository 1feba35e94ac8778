// A read replica (--read_database_url, a hot standby streaming from the primary): List calls
// read from it, Get calls and writes from the primary, and List calls go on from the primary
// while the replica is down, and while it lags more than --max_read_lag_seconds behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "libs/api/resource_name.h"
#include "tests/reliability/reliability_fixture.h"
#include "tests/support/wait.h"

namespace throughline::reliability {
namespace {

class ReadReplicaTest : public ReliabilityTest {
 protected:
  void TearDown() override {
    replica_.reset();
    primary_.reset();
    ReliabilityTest::TearDown();
  }

  // A primary, a hot standby streaming from it, and segmentd reading its List calls from the
  // standby with `--max_read_lag_seconds` `max_lag_seconds`; stub_ calls it.
  void StartWithReplica(const std::string& max_lag_seconds) {
    primary_ = NewCluster();
    ASSERT_TRUE(primary_->Start().ok());
    replica_ = NewReplicaCluster(*primary_);
    ASSERT_TRUE(replica_->Start().ok()) << "see " << dir() << "/pg-replica-tool.log";
    std::vector<std::string> flags = CommonFlags(primary_->admin_url());
    flags.insert(flags.end(), {"--read_database_url", replica_->admin_url(),
                               "--max_read_lag_seconds", max_lag_seconds});
    segmentd_ = SpawnServing("segmentd", THROUGHLINE_SEGMENTD, flags);
    ASSERT_NE(segmentd_.port, 0);
    stub_ = seg::SegmentService::NewStub(
        grpc::CreateChannel(segmentd_.address(), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<testing::PrivateCluster> primary_;
  std::unique_ptr<testing::PrivateCluster> replica_;
  Service segmentd_;
  std::unique_ptr<seg::SegmentService::Stub> stub_;
};

// The ids of the markets ListMarkets returns for acme (one page), or nullopt when it fails.
std::optional<std::vector<std::string>> ListedMarkets(seg::SegmentService::Stub& stub,
                                                      grpc::Status* failure = nullptr) {
  seg::ListMarketsRequest request;
  request.set_parent(kAcme);
  request.set_page_size(100);
  seg::ListMarketsResponse response;
  auto context = Authorized(kAcmeAdmin, absl::Seconds(10));
  const grpc::Status status = stub.ListMarkets(context.get(), request, &response);
  if (failure != nullptr) *failure = status;
  if (!status.ok()) return std::nullopt;
  std::vector<std::string> ids;
  for (const seg::Market& market : response.markets()) {
    ids.push_back(api::IdOf(market.name()));
  }
  return ids;
}

bool Lists(seg::SegmentService::Stub& stub, const std::string& market_id) {
  const auto ids = ListedMarkets(stub);
  return ids && std::find(ids->begin(), ids->end(), market_id) != ids->end();
}

TEST_F(ReadReplicaTest, ListCallsReadTheReplicaAndThePrimaryWhileItIsDown) {
  // However far behind the paused replica falls, List calls read it (the next test limits it).
  ASSERT_NO_FATAL_FAILURE(StartWithReplica("0"));

  ASSERT_TRUE(CreateMarket(*stub_, "first").ok());
  EXPECT_TRUE(testing::WaitFor([&] { return Lists(*stub_, "first"); }))
      << "the replica never showed the market";

  // The replica stops replaying: what the primary commits now, only the primary has.
  pqxx::connection standby(replica_->admin_url());
  pqxx::nontransaction(standby).exec("SELECT pg_wal_replay_pause()");
  ASSERT_TRUE(CreateMarket(*stub_, "second").ok());
  EXPECT_TRUE(GetMarket(*stub_, "second").ok()) << "Get calls read the primary";
  auto listed = ListedMarkets(*stub_);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(*listed, std::vector<std::string>{"first"}) << "List calls read the paused replica";

  pqxx::nontransaction(standby).exec("SELECT pg_wal_replay_resume()");
  EXPECT_TRUE(testing::WaitFor([&] { return Lists(*stub_, "second"); }))
      << "the replica did not catch up";

  // The replica goes away: List calls answer from the primary, at once.
  ASSERT_TRUE(CreateMarket(*stub_, "third").ok());
  ASSERT_TRUE(replica_->Stop().ok());
  for (int i = 0; i < 3; ++i) {
    grpc::Status failure;
    const absl::Time start = absl::Now();
    listed = ListedMarkets(*stub_, &failure);
    ASSERT_TRUE(listed.has_value()) << failure.error_message();
    EXPECT_EQ(*listed, (std::vector<std::string>{"first", "second", "third"}));
    EXPECT_LT(absl::Now() - start, absl::Seconds(3)) << "a List waited on the missing replica";
  }

  // And read the replica again once it is back (after ListReads::kReplicaRetry): paused, it
  // shows what it had, not the primary's latest.
  ASSERT_TRUE(replica_->Start().ok());
  pqxx::connection standby_again(replica_->admin_url());
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        return pqxx::nontransaction(standby_again)
                   .exec1("SELECT count(*) FROM segment.markets")[0]
                   .as<int>() == 3;
      },
      absl::Seconds(20)));
  pqxx::nontransaction(standby_again).exec("SELECT pg_wal_replay_pause()");
  ASSERT_TRUE(CreateMarket(*stub_, "fourth").ok());
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        const auto ids = ListedMarkets(*stub_);
        return ids && ids->size() == 3;
      },
      absl::Seconds(20)))
      << "List calls never went back to the replica";
}

// A replica that stops replaying (as when replication breaks) falls behind the primary; once
// it is more than --max_read_lag_seconds behind, List calls read the primary, and once it
// has caught up, the replica again.
TEST_F(ReadReplicaTest, ListCallsLeaveAReplicaThatLagsTooFarBehind) {
  ASSERT_NO_FATAL_FAILURE(StartWithReplica("1"));
  ASSERT_TRUE(CreateMarket(*stub_, "first").ok());
  ASSERT_TRUE(testing::WaitFor([&] { return Lists(*stub_, "first"); }));

  pqxx::connection standby(replica_->admin_url());
  pqxx::nontransaction(standby).exec("SELECT pg_wal_replay_pause()");
  ASSERT_TRUE(CreateMarket(*stub_, "second").ok());
  // Only the primary has it; a List shows it once the replica is a second behind.
  EXPECT_TRUE(testing::WaitFor([&] { return Lists(*stub_, "second"); }, absl::Seconds(20)))
      << "List calls kept reading the lagging replica";
  EXPECT_TRUE(
      segmentd_.process->WaitForLogLines("read replica lags the primary", 1, absl::Seconds(5)));

  pqxx::nontransaction(standby).exec("SELECT pg_wal_replay_resume()");
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        Lists(*stub_, "second");  // List calls measure the lag
        return segmentd_.process->Log().find("read replica caught up") != std::string::npos;
      },
      absl::Seconds(20)))
      << segmentd_.process->Log();
}

}  // namespace
}  // namespace throughline::reliability
