// A call's deadline reaches the database: a write blocked on a row lock the test holds, called
// with a 5 ms deadline, answers DEADLINE_EXCEEDED, its statement is cancelled in PostgreSQL
// (statement_timeout from the deadline; no backend of the service keeps waiting), and when the
// test releases the lock the write is not applied.
#include <gtest/gtest.h>

#include <future>
#include <pqxx/pqxx>

#include "tests/reliability/reliability_fixture.h"

namespace throughline::reliability {
namespace {

class DeadlineTest : public ReliabilityTest {
 protected:
  void SetUp() override {
    ReliabilityTest::SetUp();
    database_ = throughline::testing::TestDatabase::Create();
  }

  // Backends of segmentd (its pool names them "throughline-segment") waiting for a lock.
  int WaitingBackends() {
    pqxx::connection connection(database_->url());
    pqxx::read_transaction tx(connection);
    return tx
        .exec1(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'throughline-segment' AND wait_event_type = 'Lock'")[0]
        .as<int>();
  }

  static grpc::Status Rename(seg::SegmentService::Stub& stub, const std::string& display_name,
                             absl::Duration timeout) {
    seg::UpdateMarketRequest request;
    request.mutable_market()->set_name(absl::StrCat(kAcme, "/markets/locked"));
    request.mutable_market()->set_display_name(display_name);
    request.mutable_update_mask()->add_paths("display_name");
    seg::Market market;
    auto context = Authorized(kAcmeAdmin, timeout);
    return stub.UpdateMarket(context.get(), request, &market);
  }

  std::unique_ptr<throughline::testing::TestDatabase> database_;
};

TEST_F(DeadlineTest, FiveMillisecondDeadlineCancelsTheBlockedDatabaseWork) {
  const Service segmentd =
      SpawnServing("segmentd", THROUGHLINE_SEGMENTD, CommonFlags(database_->url()));
  ASSERT_NE(segmentd.port, 0);
  auto stub = seg::SegmentService::NewStub(
      grpc::CreateChannel(segmentd.address(), grpc::InsecureChannelCredentials()));
  seg::Market created;
  ASSERT_TRUE(CreateMarket(*stub, "locked", absl::Seconds(10), &created).ok());

  // The test holds the market's row lock: every update of it blocks.
  pqxx::connection locker(database_->url());
  pqxx::work lock(locker);
  lock.exec1(
      "SELECT 1 FROM segment.markets WHERE organization = 'acme' AND market_id = 'locked' "
      "FOR UPDATE");

  const grpc::Status fast = Rename(*stub, "Renamed within 5 ms", absl::Milliseconds(5));
  EXPECT_EQ(fast.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << Describe(fast);
  EXPECT_TRUE(throughline::testing::WaitFor([&] { return WaitingBackends() == 0; }));

  // The same in slow motion, to see the cancellation happen while the lock is still held:
  // with a 1.5 s deadline the update is first seen waiting for the lock, then it is gone
  // although nobody released the lock.
  auto slow = std::async(std::launch::async, [&] {
    return Rename(*stub, "Renamed within 1.5 s", absl::Milliseconds(1500));
  });
  EXPECT_TRUE(throughline::testing::WaitFor([&] { return WaitingBackends() == 1; }));
  const grpc::Status slow_status = slow.get();
  EXPECT_EQ(slow_status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << Describe(slow_status);
  EXPECT_TRUE(throughline::testing::WaitFor([&] { return WaitingBackends() == 0; }));

  lock.commit();  // releases the row lock

  // Neither update was applied, then or later: the market is as created and its only event is
  // its creation. A write after the release goes through, so the service is fine.
  seg::Market after;
  {
    seg::GetMarketRequest request;
    request.set_name(created.name());
    auto context = Authorized(kAcmeAdmin);
    ASSERT_TRUE(stub->GetMarket(context.get(), request, &after).ok());
  }
  EXPECT_EQ(after.display_name(), created.display_name());
  EXPECT_EQ(after.etag(), created.etag());
  {
    pqxx::connection connection(database_->url());
    pqxx::read_transaction tx(connection);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM segment.event_log WHERE subject = " +
                       tx.quote(created.name()))[0]
                  .as<int>(),
              1);
  }
  const grpc::Status later = Rename(*stub, "Renamed after the release", absl::Seconds(10));
  EXPECT_TRUE(later.ok()) << Describe(later);
}

}  // namespace
}  // namespace throughline::reliability
