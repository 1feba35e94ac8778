// Bounded concurrency: a flood of calls far beyond what the worker pool admits (workers plus
// queue) gets RESOURCE_EXHAUSTED at once for the excess, the admitted calls complete once the
// resource they wait for is free, and the server's memory (VmRSS of the real process) stays
// bounded. A request larger than --max_receive_message_bytes is RESOURCE_EXHAUSTED too.
#include <gtest/gtest.h>

#include <iostream>
#include <pqxx/pqxx>

#include "absl/synchronization/mutex.h"
#include "tests/reliability/reliability_fixture.h"

namespace throughline::reliability {
namespace {

constexpr int kWorkers = 2;
constexpr int kMaxQueue = 8;
constexpr int kAdmitted = kWorkers + kMaxQueue;
constexpr int kFlood = 6000;
constexpr int kChannels = 4;
constexpr size_t kPayloadBytes = 32 * 1024;
// Calls a connection may have open at once (--max_concurrent_streams): gRPC reads the request
// of every open call, admitted or not, so what the server holds at once is bounded by the
// requests of kChannels * kMaxStreams = 400 calls (12.5 MiB, a few copies each), and the
// flood's other calls wait in the client. With the default of 1,000 the whole flood could be
// open at once: a server slowed by a parallel ctest grew by 152 MiB of its 187.5.
constexpr int kMaxStreams = 100;
// The flood carries kFlood * kPayloadBytes = 187.5 MiB of requests; a server that buffered them
// would grow by at least that much. This one grows by 35-57 MiB; the bound is half the flood.
constexpr int64_t kMaxGrowthKib = 96 * 1024;

class OverloadTest : public ReliabilityTest {
 protected:
  void SetUp() override {
    ReliabilityTest::SetUp();
    database_ = throughline::testing::TestDatabase::Create();
  }

  std::unique_ptr<throughline::testing::TestDatabase> database_;
};

// One call of the flood; alive until its callback ran.
struct FloodCall {
  std::unique_ptr<grpc::ClientContext> context;
  seg::UpdateMarketRequest request;
  seg::Market response;
  absl::Time sent;
};

TEST_F(OverloadTest, FloodIsRefusedAtOnceAdmittedCallsCompleteMemoryStaysBounded) {
  std::vector<std::string> flags =
      CommonFlags(database_->url(), "127.0.0.1:0", kWorkers, /*db_pool_size=*/kWorkers);
  // No per-organization allowance: the flood must reach the work queue, whose refusals this
  // test is about (RateLimiterTest and SegmentRateLimitTest cover the allowance).
  flags.insert(flags.end(), {"--max_queue", absl::StrCat(kMaxQueue), "--max_concurrent_streams",
                             absl::StrCat(kMaxStreams), "--max_calls_per_second", "0"});
  const Service segmentd = SpawnServing("segmentd", THROUGHLINE_SEGMENTD, flags);
  ASSERT_NE(segmentd.port, 0);
  std::vector<std::unique_ptr<seg::SegmentService::Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection per channel
    stubs.push_back(seg::SegmentService::NewStub(grpc::CreateCustomChannel(
        segmentd.address(), grpc::InsecureChannelCredentials(), arguments)));
  }
  ASSERT_TRUE(CreateMarket(*stubs[0], "hot").ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(GetMarket(*stubs[i % kChannels], "hot").ok());
  const int64_t rss_before = RssKib(segmentd.process->pid());
  ASSERT_GT(rss_before, 0);

  // Every update of "hot" blocks on the row lock the test holds.
  pqxx::connection locker(database_->url());
  pqxx::work lock(locker);
  lock.exec1(
      "SELECT 1 FROM segment.markets WHERE organization = 'acme' AND market_id = 'hot' "
      "FOR UPDATE");

  absl::Mutex mu;
  std::map<grpc::StatusCode, int> outcomes;
  absl::Duration slowest_refusal;
  std::vector<std::unique_ptr<FloodCall>> calls;
  const std::string payload(kPayloadBytes, 'x');
  for (int i = 0; i < kFlood; ++i) {
    auto call = std::make_unique<FloodCall>();
    call->context = Authorized(kAcmeAdmin, absl::Seconds(60));
    call->request.mutable_market()->set_name(absl::StrCat(kAcme, "/markets/hot"));
    call->request.mutable_market()->set_display_name(absl::StrCat("Hot market ", i));
    // Ballast: sent and parsed, but outside the update mask, so validation never sees it.
    call->request.mutable_market()->set_rationale(payload);
    call->request.mutable_update_mask()->add_paths("display_name");
    call->sent = absl::Now();
    FloodCall* raw = call.get();
    stubs[i % kChannels]->async()->UpdateMarket(
        raw->context.get(), &raw->request, &raw->response, [&, raw](grpc::Status status) {
          absl::MutexLock hold(&mu);
          ++outcomes[status.error_code()];
          if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
            slowest_refusal = std::max(slowest_refusal, absl::Now() - raw->sent);
          }
        });
    calls.push_back(std::move(call));
  }
  auto count = [&](grpc::StatusCode code) {
    absl::MutexLock hold(&mu);
    return outcomes[code];
  };
  auto describe = [&] {
    absl::MutexLock hold(&mu);
    std::string text;
    for (const auto& [code, n] : outcomes) absl::StrAppend(&text, " code ", code, ": ", n, ";");
    return text;
  };

  // All but the admitted calls are refused while the admitted ones still wait for the lock.
  ASSERT_TRUE(throughline::testing::WaitFor(
      [&] { return count(grpc::StatusCode::RESOURCE_EXHAUSTED) == kFlood - kAdmitted; },
      absl::Seconds(30)))
      << describe();
  // The peak of the whole flood, not just its end.
  const int64_t rss_flooded = RssKib(segmentd.process->pid(), "VmHWM:");
  EXPECT_EQ(count(grpc::StatusCode::OK), 0);

  lock.commit();
  ASSERT_TRUE(throughline::testing::WaitFor(
      [&] { return count(grpc::StatusCode::OK) == kAdmitted; }, absl::Seconds(30)))
      << describe();
  {
    absl::MutexLock hold(&mu);
    int total = 0;
    for (const auto& [code, n] : outcomes) total += n;
    EXPECT_EQ(total, kFlood);
  }
  const int64_t rss_after = RssKib(segmentd.process->pid());
  EXPECT_LT(rss_flooded - rss_before, kMaxGrowthKib);
  EXPECT_LT(rss_after - rss_before, kMaxGrowthKib);
  // The server serves normally afterwards.
  EXPECT_TRUE(GetMarket(*stubs[0], "hot").ok());

  std::cout << "[figures] flood of " << kFlood << " calls (" << kPayloadBytes / 1024
            << " KiB each) at " << kWorkers << " workers + " << kMaxQueue
            << " queued: " << count(grpc::StatusCode::RESOURCE_EXHAUSTED)
            << " RESOURCE_EXHAUSTED (slowest " << slowest_refusal << " after sending), "
            << count(grpc::StatusCode::OK) << " OK after the release; VmRSS " << rss_before
            << " KiB before, peak " << rss_flooded << " KiB during the flood, " << rss_after
            << " KiB after\n";
  RecordProperty("rss_before_kib", rss_before);
  RecordProperty("rss_flooded_kib", rss_flooded);
  RecordProperty("rss_after_kib", rss_after);
}

TEST_F(OverloadTest, RequestLargerThanTheLimitIsResourceExhausted) {
  std::vector<std::string> flags = CommonFlags(database_->url());
  flags.insert(flags.end(), {"--max_receive_message_bytes", "65536"});
  const Service segmentd = SpawnServing("segmentd", THROUGHLINE_SEGMENTD, flags);
  ASSERT_NE(segmentd.port, 0);
  auto stub = seg::SegmentService::NewStub(
      grpc::CreateChannel(segmentd.address(), grpc::InsecureChannelCredentials()));

  seg::CreateMarketRequest request;
  request.set_parent(kAcme);
  request.set_market_id("oversized");
  *request.mutable_market() = alignment::testing::CloudDatabases();
  request.mutable_market()->set_rationale(std::string(100 * 1024, 'x'));
  seg::Market market;
  auto context = Authorized(kAcmeAdmin);
  const grpc::Status status = stub->CreateMarket(context.get(), request, &market);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(status);

  EXPECT_EQ(GetMarket(*stub, "oversized").error_code(), grpc::StatusCode::NOT_FOUND);
  // The refusal did not disturb the server.
  EXPECT_TRUE(CreateMarket(*stub, "normal").ok());
}

}  // namespace
}  // namespace throughline::reliability
