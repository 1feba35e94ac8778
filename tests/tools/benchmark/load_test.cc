#include "tools/benchmark/load.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tools/benchmark/bench_data.h"
#include "tools/benchmark/client.h"
#include "tools/benchmark/echo_server.h"
#include "tools/benchmark/unary_scenarios.h"

namespace throughline::benchmark {
namespace {

// This process's name as /proc shows it (at most 15 characters of the executable's name).
std::string OwnProcessName() {
  std::ifstream comm("/proc/self/comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

// An echo server on port 0 that accepts the benchmark's default token.
std::unique_ptr<EchoServer> StartEchoServer() {
  server::ServiceFlags flags;
  flags.listen = "127.0.0.1:0";
  flags.workers = 2;
  flags.max_calls_per_second = 0;  // one organization, as fast as it goes
  auto authenticator = auth::TokenAuthenticator::FromString(
      absl::StrCat(kDefaultToken, " ", kOrganizationId, " bench-admin@bench.example admin\n"),
      "test tokens");
  EXPECT_TRUE(authenticator.ok()) << authenticator.status();
  auto server = EchoServer::Start(flags, *std::move(authenticator));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// The sides in the order their calls started, consecutive calls of one side counted once.
class SideLog {
 public:
  StartCall Wrap(char side, StartCall start) {
    return [this, side, start = std::move(start)](absl::Time intended, CallDone done) {
      {
        absl::MutexLock lock(&mu_);
        if (sides_.empty() || sides_.back() != side) sides_.push_back(side);
      }
      start(intended, std::move(done));
    };
  }
  std::string sides() {
    absl::MutexLock lock(&mu_);
    return sides_;
  }

 private:
  absl::Mutex mu_;
  std::string sides_;
};

TEST(RunAlternatingTest, AlternatesTheSidesAndReportsTheMedianOfTheRounds) {
  std::unique_ptr<EchoServer> target_server = StartEchoServer();
  std::unique_ptr<EchoServer> baseline_server = StartEchoServer();
  ASSERT_NE(target_server, nullptr);
  ASSERT_NE(baseline_server, nullptr);
  const ClientOptions client{.token = kDefaultToken};
  auto target = MakeUnaryLoad(
      "get", MakeChannels(absl::StrCat("127.0.0.1:", target_server->port()), 1), client, 10);
  auto baseline = MakeUnaryLoad(
      "get", MakeChannels(absl::StrCat("127.0.0.1:", baseline_server->port()), 1), client, 10);
  ASSERT_TRUE(target.ok()) << target.status();
  ASSERT_TRUE(baseline.ok()) << baseline.status();
  SideLog log;

  // Each round measures each side for kRound: long enough that a round completes calls and
  // CPU ticks even when the host stalls this machine for a while (a 200 ms round once counted
  // no call on a busy CI host).
  constexpr double kRound = 0.5;  // seconds
  const AlternatingReport report =
      RunAlternating(LoadOptions{.concurrency = 4,
                                 .warmup = absl::Milliseconds(50),
                                 .duration = absl::Seconds(3 * kRound)},
                     3, log.Wrap('T', *target), log.Wrap('B', *baseline));

  // Round 0 runs the baseline first, round 1 the target first, round 2 the baseline first:
  // B T | T B | B T, so the side changes three times, not five.
  EXPECT_EQ(log.sides(), "BTBT");
  ASSERT_EQ(report.rounds.size(), 3u);
  std::vector<double> ratios;
  std::vector<double> cost_ratios;
  for (const Round& round : report.rounds) {
    EXPECT_GT(round.target_throughput, 0);
    EXPECT_GT(round.baseline_throughput, 0);
    EXPECT_DOUBLE_EQ(round.ratio, round.target_throughput / round.baseline_throughput);
    EXPECT_GT(round.cost_ratio, 0);
    ratios.push_back(round.ratio);
    cost_ratios.push_back(round.cost_ratio);
  }
  std::sort(ratios.begin(), ratios.end());
  std::sort(cost_ratios.begin(), cost_ratios.end());
  EXPECT_DOUBLE_EQ(report.ratio, ratios[1]);
  EXPECT_DOUBLE_EQ(report.cost_ratio, cost_ratios[1]);

  // Each side's report holds every round's measured calls: 3 x kRound.
  for (const LoadReport* side : {&report.target, &report.baseline}) {
    EXPECT_EQ(side->mode, "closed");
    EXPECT_EQ(side->concurrency, 4);
    EXPECT_DOUBLE_EQ(side->seconds, 3 * kRound);
    EXPECT_EQ(side->errors, 0);
    EXPECT_GT(side->ops, 0);
    EXPECT_EQ(side->latency.count, side->ops);
    EXPECT_DOUBLE_EQ(side->throughput, static_cast<double>(side->ops) / (3 * kRound));
    // The calls kept a core busy for some of the window (/proc/stat counts in 10 ms ticks).
    EXPECT_GT(side->cpu_busy_seconds, 0);
    EXPECT_LE(side->cpu_busy_seconds, 3 * kRound * std::thread::hardware_concurrency() + 0.1);
    EXPECT_DOUBLE_EQ(side->cpu_us_per_call,
                     side->cpu_busy_seconds * 1e6 / static_cast<double>(side->ops));
    // This process ran both the calls and the echo server: its share is counted by its name.
    const auto own = side->cpu_seconds_by_process.find(OwnProcessName());
    ASSERT_NE(own, side->cpu_seconds_by_process.end()) << OwnProcessName();
    EXPECT_GT(own->second, 0);
  }
  double target_ops = 0;
  for (const Round& round : report.rounds) target_ops += round.target_throughput * kRound;
  EXPECT_NEAR(static_cast<double>(report.target.ops), target_ops, 0.5);
}

TEST(RunAlternatingTest, OneRoundIsOneRunOfEachSide) {
  std::unique_ptr<EchoServer> server = StartEchoServer();
  ASSERT_NE(server, nullptr);
  auto start = MakeUnaryLoad("get", MakeChannels(absl::StrCat("127.0.0.1:", server->port()), 1),
                             ClientOptions{.token = kDefaultToken}, 10);
  ASSERT_TRUE(start.ok()) << start.status();
  SideLog log;

  const AlternatingReport report = RunAlternating(
      LoadOptions{
          .concurrency = 2, .warmup = absl::Milliseconds(20), .duration = absl::Milliseconds(100)},
      0, log.Wrap('T', *start), log.Wrap('B', *start));

  EXPECT_EQ(log.sides(), "BT");  // a round count below one means one round
  ASSERT_EQ(report.rounds.size(), 1u);
  EXPECT_DOUBLE_EQ(report.ratio, report.rounds[0].ratio);
  EXPECT_DOUBLE_EQ(report.target.seconds, 0.1);
}

}  // namespace
}  // namespace throughline::benchmark
