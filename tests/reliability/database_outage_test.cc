// PostgreSQL stopped under a running segmentd (a private cluster, fast shutdown: every session
// is terminated, as in a database crash): calls answer UNAVAILABLE quickly instead of hanging
// until their deadline, grpc.health.v1 turns NOT_SERVING, and when the database returns
// everything recovers without restarting the service. PostgreSQL hung (its processes
// stopped, connections open): the threads waiting on it are freed after their calls' deadline,
// and the service still stops promptly.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <pqxx/pqxx>

#include "tests/reliability/reliability_fixture.h"

namespace throughline::reliability {
namespace {

using DatabaseOutageTest = ReliabilityTest;

constexpr absl::Duration kClientDeadline = absl::Seconds(10);

TEST_F(DatabaseOutageTest, UnavailableQuicklyNotServingThenRecoversByItself) {
  const auto cluster = NewCluster();
  ASSERT_TRUE(cluster->Start().ok());
  // The default probe interval (1 s), so the figures are those of a real deployment.
  Service segmentd =
      SpawnServing("segmentd", THROUGHLINE_SEGMENTD, CommonFlags(cluster->admin_url()));
  ASSERT_NE(segmentd.port, 0);
  auto channel = grpc::CreateChannel(segmentd.address(), grpc::InsecureChannelCredentials());
  auto stub = seg::SegmentService::NewStub(channel);
  ASSERT_TRUE(CreateMarket(*stub, "before").ok());
  // Reads too, so that the pool holds open connections that the outage will break.
  ASSERT_TRUE(GetMarket(*stub, "before").ok());

  ASSERT_TRUE(cluster->Stop().ok());
  const absl::Time stopped = absl::Now();

  // Reads and writes fail fast with UNAVAILABLE, well before the client's deadline: the first
  // calls find the pooled connections broken, later ones cannot connect.
  absl::Duration slowest = absl::ZeroDuration();
  for (int i = 0; i < 5; ++i) {
    absl::Time start = absl::Now();
    const grpc::Status read = GetMarket(*stub, "before", kClientDeadline);
    slowest = std::max(slowest, absl::Now() - start);
    EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(read);
    start = absl::Now();
    const grpc::Status write = CreateMarket(*stub, absl::StrCat("during-", i), kClientDeadline);
    slowest = std::max(slowest, absl::Now() - start);
    EXPECT_EQ(write.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(write);
  }
  EXPECT_LT(slowest, kClientDeadline / 2);

  ASSERT_TRUE(throughline::testing::WaitFor([&] { return Health(channel) == "NOT_SERVING"; },
                                            absl::Seconds(10)))
      << Health(channel);
  const absl::Duration to_not_serving = absl::Now() - stopped;

  ASSERT_TRUE(cluster->Start().ok());
  const absl::Time restarted = absl::Now();
  ASSERT_TRUE(throughline::testing::WaitFor([&] { return Health(channel) == "SERVING"; },
                                            absl::Seconds(15)))
      << Health(channel);
  const absl::Duration to_serving = absl::Now() - restarted;
  // The same process serves again: broken pooled connections were replaced on demand.
  ASSERT_TRUE(throughline::testing::WaitFor([&] { return GetMarket(*stub, "before").ok(); }));
  const absl::Duration to_first_success = absl::Now() - restarted;
  const grpc::Status after = CreateMarket(*stub, "after");
  EXPECT_TRUE(after.ok()) << Describe(after);
  // Nothing attempted during the outage was written.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(GetMarket(*stub, absl::StrCat("during-", i)).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }

  // The event log works again: a stream from the start sends both markets' events.
  {
    auto context = Authorized(kAcmeAdmin, absl::Seconds(10));
    seg::WatchSegmentEventsRequest request;
    request.set_parent(kAcme);
    auto reader = stub->WatchSegmentEvents(context.get(), request);
    std::vector<std::string> subjects;
    seg::WatchSegmentEventsResponse response;
    while (subjects.size() < 2 && reader->Read(&response)) {
      const auto& attributes = response.event().attributes();
      const auto subject = attributes.find("subject");
      subjects.push_back(subject == attributes.end() ? "" : subject->second.ce_string());
    }
    context->TryCancel();
    reader->Finish();
    EXPECT_EQ(subjects, (std::vector<std::string>{absl::StrCat(kAcme, "/markets/before"),
                                                  absl::StrCat(kAcme, "/markets/after")}));
  }

  std::cout << "[figures] database down: slowest UNAVAILABLE answer " << slowest
            << ", NOT_SERVING after " << to_not_serving << "; database back: SERVING after "
            << to_serving << ", first successful call after " << to_first_success << "\n";
  RecordProperty("slowest_unavailable_ms", absl::ToInt64Milliseconds(slowest));
  RecordProperty("not_serving_after_ms", absl::ToInt64Milliseconds(to_not_serving));
  RecordProperty("serving_after_ms", absl::ToInt64Milliseconds(to_serving));
}

// PostgreSQL hung: its connections stay open and nothing answers, so its statement_timeout
// cannot end the work. The health probe turns NOT_SERVING. segmentd's only worker waits on the
// hung connection; the pool cuts it PoolOptions::hung_grace (2 s) after its call's deadline, so
// a later call is answered (UNAVAILABLE: no new connection can be made either) instead of
// waiting behind it until its own deadline. Resumed, the database serves again.
TEST_F(DatabaseOutageTest, AHungDatabaseFreesTheWorkerAfterTheCallsDeadline) {
  const auto cluster = NewCluster();
  ASSERT_TRUE(cluster->Start().ok());
  Service segmentd = SpawnServing("segmentd", THROUGHLINE_SEGMENTD,
                                  CommonFlags(cluster->admin_url(), "127.0.0.1:0", /*workers=*/1,
                                              /*db_pool_size=*/1));
  ASSERT_NE(segmentd.port, 0);
  auto channel = grpc::CreateChannel(segmentd.address(), grpc::InsecureChannelCredentials());
  auto stub = seg::SegmentService::NewStub(channel);
  ASSERT_TRUE(CreateMarket(*stub, "before").ok());
  {
    HungDatabase hung(cluster->admin_url());
    // The health probe's query gets no answer either: NOT_SERVING, not the last answer kept.
    EXPECT_TRUE(throughline::testing::WaitFor([&] { return Health(channel) == "NOT_SERVING"; },
                                              absl::Seconds(15)))
        << Health(channel);
    const grpc::Status first = GetMarket(*stub, "before", absl::Seconds(1));
    EXPECT_EQ(first.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << Describe(first);

    const absl::Time start = absl::Now();
    const grpc::Status later = GetMarket(*stub, "before", absl::Seconds(30));
    EXPECT_EQ(later.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(later);
    EXPECT_LT(absl::Now() - start, absl::Seconds(15));
    EXPECT_THAT(segmentd.process->Log(), ::testing::HasSubstr("its connection is cut"));
  }
  EXPECT_TRUE(throughline::testing::WaitFor([&] { return GetMarket(*stub, "before").ok(); },
                                            absl::Seconds(20)));
  EXPECT_TRUE(throughline::testing::WaitFor([&] { return Health(channel) == "SERVING"; },
                                            absl::Seconds(15)))
      << Health(channel);
}

// SIGTERM while the database hangs: the service still stops by itself, promptly. Its threads
// never wait on the hung database for long (the pools cut, the event notifier reads the head
// through the pool and cuts its LISTEN connection before unlistening), so nothing holds the
// shutdown; before, it waited on the LISTEN connection's UNLISTEN until killed.
TEST_F(DatabaseOutageTest, AServiceStopsPromptlyWhileItsDatabaseHangs) {
  const auto cluster = NewCluster();
  ASSERT_TRUE(cluster->Start().ok());
  Service segmentd =
      SpawnServing("segmentd", THROUGHLINE_SEGMENTD, CommonFlags(cluster->admin_url()));
  ASSERT_NE(segmentd.port, 0);
  auto stub = seg::SegmentService::NewStub(
      grpc::CreateChannel(segmentd.address(), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(CreateMarket(*stub, "before").ok());

  HungDatabase hung(cluster->admin_url());
  // A call waits on the hung database when the stop begins.
  EXPECT_EQ(GetMarket(*stub, "before", absl::Milliseconds(500)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  const absl::Time stop = absl::Now();
  EXPECT_TRUE(segmentd.process->Stop(absl::Seconds(20))) << "killed after 20 s";
  EXPECT_LT(absl::Now() - stop, absl::Seconds(10));
  EXPECT_THAT(segmentd.process->Log(), ::testing::HasSubstr("server stopped"));
}

// GetSegment's cache is only as true as the notifications it hears. While the database hangs
// it cannot tell whether another replica (one the database still answers, across a partition)
// changed a segment: once the event notifier's poll cannot read the log's head, segmentd stops
// answering from memory, and answers from memory again once the database does.
TEST_F(DatabaseOutageTest, GetSegmentStopsAnsweringFromMemoryOnceItsDatabaseHangs) {
  const auto cluster = NewCluster();
  ASSERT_TRUE(cluster->Start().ok());
  Service segmentd =
      SpawnServing("segmentd", THROUGHLINE_SEGMENTD, CommonFlags(cluster->admin_url()));
  ASSERT_NE(segmentd.port, 0);
  auto stub = seg::SegmentService::NewStub(
      grpc::CreateChannel(segmentd.address(), grpc::InsecureChannelCredentials()));
  ASSERT_TRUE(segmentd.process->WaitForLogLines("segment cache in use", 1, absl::Seconds(10)))
      << segmentd.process->Log();
  seg::Market market;
  ASSERT_TRUE(CreateMarket(*stub, "cloud-databases", absl::Seconds(10), &market).ok());
  seg::CreateSegmentRequest create;
  create.set_parent(market.name());
  create.set_segment_id("diy");
  *create.mutable_segment() = alignment::testing::DiyPowerUsers();
  seg::Segment segment;
  ASSERT_TRUE(stub->CreateSegment(Authorized(kAcmeAdmin).get(), create, &segment).ok());
  const auto get = [&](absl::Duration timeout) {
    seg::GetSegmentRequest request;
    request.set_name(segment.name());
    seg::Segment read;
    return stub->GetSegment(Authorized(kAcmeAdmin, timeout).get(), request, &read);
  };

  // Kept, then answered from memory while the database hangs, until the notifier's poll has
  // waited out its read of the head (5 s and the pool's 2 s grace). The first attempt may find
  // the cache emptied by the late notification of the creates; another then holds.
  bool answered_while_hung = false;
  for (int attempt = 1; attempt <= 3 && !answered_while_hung; ++attempt) {
    ASSERT_TRUE(get(absl::Seconds(10)).ok());
    HungDatabase hung(cluster->admin_url());
    answered_while_hung = get(absl::Seconds(1)).ok();
    if (!answered_while_hung) continue;
    const absl::Time hung_at = absl::Now();
    EXPECT_TRUE(throughline::testing::WaitFor([&] { return !get(absl::Seconds(1)).ok(); },
                                              absl::Seconds(20)))
        << "still answered from memory after 20 s";
    std::cout << "[figures] GetSegment answered from memory for "
              << absl::FormatDuration(absl::Now() - hung_at) << " of the hang\n";
    EXPECT_TRUE(segmentd.process->WaitForLogLines("segment cache off", 1, absl::Seconds(1)));
  }
  EXPECT_TRUE(answered_while_hung) << "never answered from memory";
  EXPECT_TRUE(segmentd.process->WaitForLogLines("segment cache in use", 2, absl::Seconds(20)))
      << segmentd.process->Log();
  EXPECT_TRUE(
      throughline::testing::WaitFor([&] { return get(absl::Seconds(1)).ok(); }, absl::Seconds(20)));
}

}  // namespace
}  // namespace throughline::reliability
