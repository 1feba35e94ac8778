// The segment service goes away under alignmentd (kill -9) and comes back on the same port:
// the subscription reconnects with capped exponential backoff, resumes from its durable cursor
// and creates exactly one task per function for every segment change, including the change
// committed just before the kill and those committed (through another segmentd replica) while
// it was down. A second outage backs off from the first step again. And PostgreSQL stopped
// under the whole suite: every service turns NOT_SERVING, then SERVING, and tasks flow again;
// hung, the subscription holder gives up its lock session and alignmentd still stops.
#include <gtest/gtest.h>

#include <iostream>
#include <pqxx/pqxx>
#include <sstream>

#include "tests/reliability/reliability_fixture.h"

namespace throughline::reliability {
namespace {

using ::throughline::alignment::testing::DiyPowerUsers;
using ::throughline::alignment::testing::kDiy;
using ::throughline::alignment::testing::kManagedPostgres;
using ::throughline::alignment::testing::kManagedPostgresId;
using ::throughline::alignment::testing::kMarket;
using ::throughline::alignment::testing::kMarketId;
using ::throughline::alignment::testing::kServiceToken;
using ::throughline::alignment::testing::MakeNeed;
using ::throughline::alignment::testing::ManagedPostgres;
using ::throughline::alignment::testing::Owners;
using ::throughline::alignment::testing::SuiteClients;

constexpr char kReconnecting[] = "\"subscription stream ended; reconnecting\"";

class SubscriptionOutageTest : public ReliabilityTest {
 protected:
  void SetUp() override {
    ReliabilityTest::SetUp();
    database_ = throughline::testing::TestDatabase::Create();
  }

  // (function, revision) -> how many tasks of the offering for a change of the DIY segment,
  // in the database at `url` (default: the test's database).
  std::map<std::pair<std::string, int>, int> TaskCounts(std::string url = "") {
    std::map<std::pair<std::string, int>, int> counts;
    pqxx::connection connection(url.empty() ? database_->url() : url);
    pqxx::read_transaction tx(connection);
    for (const auto& row :
         tx.exec_params("SELECT function_id, trigger_revision, count(*) "
                        "FROM alignment.tasks WHERE offering = $1 AND trigger_subject = $2 "
                        "GROUP BY 1, 2",
                        kManagedPostgres, kDiy)) {
      counts[{row[0].c_str(), row[1].as<int>()}] = row[2].as<int>();
    }
    return counts;
  }

  // One task per function for each revision in `revisions`, nothing else.
  static std::map<std::pair<std::string, int>, int> OneTaskPerFunction(
      const std::vector<int>& revisions) {
    std::map<std::pair<std::string, int>, int> expected;
    for (int revision : revisions) {
      for (const auto& owner : Owners()) expected[{owner.function_id, revision}] = 1;
    }
    return expected;
  }

  // segmentd, offeringd and alignmentd on the database at `url`, each SERVING.
  void StartSuiteOn(const std::string& url) {
    segmentd_ = SpawnServing("segmentd", THROUGHLINE_SEGMENTD, CommonFlags(url));
    ASSERT_NE(segmentd_.port, 0);
    std::vector<std::string> offering_flags = CommonFlags(url);
    offering_flags.insert(offering_flags.end(),
                          {"--segment_address", segmentd_.address(), "--alignment_address", "",
                           "--service_token", kServiceToken});
    offeringd_ = SpawnServing("offeringd", THROUGHLINE_OFFERINGD, offering_flags);
    ASSERT_NE(offeringd_.port, 0);
    std::vector<std::string> alignment_flags = CommonFlags(url);
    alignment_flags.insert(alignment_flags.end(),
                           {"--segment_address", segmentd_.address(), "--offering_address",
                            offeringd_.address(), "--service_token", kServiceToken});
    alignmentd_ = SpawnServing("alignmentd", THROUGHLINE_ALIGNMENTD, alignment_flags);
    ASSERT_NE(alignmentd_.port, 0);
  }

  Service segmentd_;
  Service offeringd_;
  Service alignmentd_;

  // A change of the DIY segment's needs through `clients`; returns its revision.
  static int ChangeNeeds(SuiteClients& clients, type::v1::Importance tuning) {
    return static_cast<int>(
        clients
            .SetNeeds(kDiy, {MakeNeed("configurability", type::v1::CRITICAL),
                             MakeNeed("tuning", tuning), MakeNeed("simplicity", type::v1::HIGH)})
            .revision());
  }

  // The backoff_ms of each reconnection of the segment subscription logged by `alignmentd`,
  // in order.
  static std::vector<int> SegmentBackoffs(const ChildProcess& alignmentd) {
    static const std::regex kBackoff(
        "\"subscription\":\"segment-events\".*\"backoff_ms\":([0-9]+)");
    std::vector<int> backoffs;
    std::istringstream log(alignmentd.Log());
    std::string line;
    while (std::getline(log, line)) {
      std::smatch match;
      if (line.find(kReconnecting) != std::string::npos &&
          std::regex_search(line, match, kBackoff)) {
        backoffs.push_back(std::stoi(match[1].str()));
      }
    }
    return backoffs;
  }

  std::unique_ptr<throughline::testing::TestDatabase> database_;
};

// Each step doubles the previous one, up to the cap of 5 s.
void ExpectBackoff(const std::vector<int>& backoffs, size_t from) {
  ASSERT_LT(from, backoffs.size());
  EXPECT_EQ(backoffs[from], 100) << "the first reconnection of an outage waits 100 ms";
  for (size_t i = from + 1; i < backoffs.size(); ++i) {
    EXPECT_EQ(backoffs[i], std::min(backoffs[i - 1] * 2, 5000)) << "step " << i;
  }
}

std::string Join(const std::vector<int>& values, size_t from) {
  std::string out;
  for (size_t i = from; i < values.size(); ++i)
    absl::StrAppend(&out, i > from ? ", " : "", values[i]);
  return out;
}

TEST_F(SubscriptionOutageTest, ReconnectsWithBackoffAndMissesNothing) {
  Service segmentd = SpawnServing("segmentd", THROUGHLINE_SEGMENTD, CommonFlags(database_->url()));
  ASSERT_NE(segmentd.port, 0);
  // A second replica of the segment service, which alignmentd does not know: the changes made
  // while the first one is down go through it.
  const Service replica =
      SpawnServing("segmentd-replica", THROUGHLINE_SEGMENTD, CommonFlags(database_->url()));
  ASSERT_NE(replica.port, 0);
  std::vector<std::string> offering_flags = CommonFlags(database_->url());
  offering_flags.insert(offering_flags.end(),
                        {"--segment_address", segmentd.address(), "--alignment_address", "",
                         "--service_token", kServiceToken});
  const Service offeringd = SpawnServing("offeringd", THROUGHLINE_OFFERINGD, offering_flags);
  ASSERT_NE(offeringd.port, 0);
  std::vector<std::string> alignment_flags = CommonFlags(database_->url());
  alignment_flags.insert(alignment_flags.end(),
                         {"--segment_address", segmentd.address(), "--offering_address",
                          offeringd.address(), "--service_token", kServiceToken});
  const Service alignmentd = SpawnServing("alignmentd", THROUGHLINE_ALIGNMENTD, alignment_flags);
  ASSERT_NE(alignmentd.port, 0);

  SuiteClients clients(segmentd.address(), offeringd.address(), alignmentd.address());
  SuiteClients through_replica(replica.address(), offeringd.address(), alignmentd.address());
  ASSERT_TRUE(clients.CreateMarket(kMarketId, alignment::testing::CloudDatabases()).ok());
  ASSERT_TRUE(clients.CreateSegment(kMarket, "diy-power-users", DiyPowerUsers()).ok());
  ASSERT_TRUE(clients.CreateOffering(kManagedPostgresId, ManagedPostgres()).ok());
  std::vector<int> revisions = {ChangeNeeds(clients, type::v1::MEDIUM)};
  ASSERT_TRUE(throughline::testing::WaitFor(
      [&] { return TaskCounts() == OneTaskPerFunction(revisions); }, absl::Seconds(20)));

  // Outage 1: a change commits, segmentd is killed at once (alignmentd may or may not have
  // read it), two more changes commit while it is down.
  revisions.push_back(ChangeNeeds(clients, type::v1::LOW));
  segmentd.process->Kill(SIGKILL);
  // The subscription retries with growing pauses: wait for five attempts (0.1+0.2+0.4+0.8+1.6 s).
  ASSERT_TRUE(alignmentd.process->WaitForLogLines(kReconnecting, 5, absl::Seconds(30)));
  revisions.push_back(ChangeNeeds(through_replica, type::v1::HIGH));
  revisions.push_back(ChangeNeeds(through_replica, type::v1::CRITICAL));
  const size_t first_outage = 0;

  // segmentd returns on the same port; alignmentd finds it by itself.
  std::vector<std::string> flags = CommonFlags(database_->url(), segmentd.address());
  segmentd = SpawnServing("segmentd", THROUGHLINE_SEGMENTD, flags);
  ASSERT_NE(segmentd.port, 0);
  EXPECT_TRUE(throughline::testing::WaitFor(
      [&] { return TaskCounts() == OneTaskPerFunction(revisions); }, absl::Seconds(60)))
      << "tasks of revisions " << Join(revisions, 0);
  const std::vector<int> first = SegmentBackoffs(*alignmentd.process);
  ExpectBackoff(first, first_outage);

  // Outage 2, after the subscription had worked again: backoff starts over from 100 ms.
  segmentd.process->Kill(SIGKILL);
  const size_t second_outage = first.size();
  ASSERT_TRUE(alignmentd.process->WaitForLogLines(
      kReconnecting, static_cast<int>(second_outage) + 3, absl::Seconds(30)));
  revisions.push_back(ChangeNeeds(through_replica, type::v1::MEDIUM));
  segmentd = SpawnServing("segmentd", THROUGHLINE_SEGMENTD, flags);
  ASSERT_NE(segmentd.port, 0);
  EXPECT_TRUE(throughline::testing::WaitFor(
      [&] { return TaskCounts() == OneTaskPerFunction(revisions); }, absl::Seconds(60)))
      << "tasks of revisions " << Join(revisions, 0);
  const std::vector<int> all = SegmentBackoffs(*alignmentd.process);
  ExpectBackoff(all, second_outage);

  std::cout << "[figures] reconnect backoff (ms), outage 1: " << Join(first, first_outage)
            << "; outage 2: " << Join(all, second_outage) << "\n";
}

// PostgreSQL stopped and restarted under the whole suite: all three services turn NOT_SERVING
// and back to SERVING by themselves, and alignment's subscriptions resume: a change after the
// outage gets its tasks, the change before it keeps exactly its own.
TEST_F(SubscriptionOutageTest, WholeSuiteRecoversFromADatabaseOutage) {
  const auto cluster = NewCluster();
  ASSERT_TRUE(cluster->Start().ok());
  ASSERT_NO_FATAL_FAILURE(StartSuiteOn(cluster->admin_url()));
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (const Service* service : {&segmentd_, &offeringd_, &alignmentd_}) {
    channels.push_back(grpc::CreateChannel(service->address(), grpc::InsecureChannelCredentials()));
  }
  auto all = [&](const std::string& health) {
    for (const auto& channel : channels) {
      if (Health(channel) != health) return false;
    }
    return true;
  };

  SuiteClients clients(segmentd_.address(), offeringd_.address(), alignmentd_.address());
  ASSERT_TRUE(clients.CreateMarket(kMarketId, alignment::testing::CloudDatabases()).ok());
  ASSERT_TRUE(clients.CreateSegment(kMarket, "diy-power-users", DiyPowerUsers()).ok());
  ASSERT_TRUE(clients.CreateOffering(kManagedPostgresId, ManagedPostgres()).ok());
  std::vector<int> revisions = {ChangeNeeds(clients, type::v1::MEDIUM)};
  ASSERT_TRUE(throughline::testing::WaitFor(
      [&] { return TaskCounts(cluster->admin_url()) == OneTaskPerFunction(revisions); },
      absl::Seconds(20)));

  ASSERT_TRUE(cluster->Stop().ok());
  const absl::Time stopped = absl::Now();
  ASSERT_TRUE(throughline::testing::WaitFor([&] { return all("NOT_SERVING"); }));
  const absl::Duration to_not_serving = absl::Now() - stopped;
  ASSERT_TRUE(cluster->Start().ok());
  const absl::Time restarted = absl::Now();
  ASSERT_TRUE(throughline::testing::WaitFor([&] { return all("SERVING"); }, absl::Seconds(15)));
  const absl::Duration to_serving = absl::Now() - restarted;

  revisions.push_back(ChangeNeeds(clients, type::v1::LOW));
  EXPECT_TRUE(throughline::testing::WaitFor(
      [&] { return TaskCounts(cluster->admin_url()) == OneTaskPerFunction(revisions); },
      absl::Seconds(60)))
      << "tasks of revisions " << Join(revisions, 0);
  const absl::Duration to_tasks = absl::Now() - restarted;
  std::cout << "[figures] whole suite, database down: all three NOT_SERVING after "
            << to_not_serving << "; database back: all SERVING after " << to_serving
            << ", tasks of a new change after " << to_tasks << "\n";
}

// PostgreSQL hangs under the whole suite (its processes stopped, connections open), and
// segmentd goes away: the segment subscription's stream ends, and its holder checks its lock
// session, a dedicated connection, which the pool cuts once that check has waited its timeout
// and grace: the holder gives the session up rather than wait forever on it, and SIGTERM stops
// alignmentd by itself.
TEST_F(SubscriptionOutageTest, TheHolderGivesUpAHungLockSessionAndStopsPromptly) {
  const auto cluster = NewCluster();
  ASSERT_TRUE(cluster->Start().ok());
  ASSERT_NO_FATAL_FAILURE(StartSuiteOn(cluster->admin_url()));
  ASSERT_TRUE(alignmentd_.process->WaitForLogLines("\"holding subscription\"", 2, kStartTimeout));

  HungDatabase hung(cluster->admin_url());
  // The segment subscription's stream ends (segmentd is gone), so its holder checks its lock
  // session on the hung database.
  segmentd_.process->Kill(SIGKILL);
  EXPECT_TRUE(alignmentd_.process->WaitForLogLines("lost the subscription lock session", 1,
                                                   absl::Seconds(60)))
      << alignmentd_.process->Log();
  const absl::Time stop = absl::Now();
  EXPECT_TRUE(alignmentd_.process->Stop(absl::Seconds(30))) << "killed after 30 s";
  EXPECT_LT(absl::Now() - stop, absl::Seconds(15));
}

}  // namespace
}  // namespace throughline::reliability
