// The crash loop (issue 6): a steady stream of segment needs changes and retargets against the
// real segmentd, offeringd and alignmentd, while segmentd, offeringd and alignmentd are killed
// with SIGKILL at random moments and restarted, and, separately, the PostgreSQL cluster under
// them is restarted (fast and immediate shutdowns). Then it drains and checks, queue-checker
// style, that every committed change has exactly its set of tasks: lost = duplicated =
// unexpected = 0.
//
// Environment: THROUGHLINE_CRASHLOOP_CYCLES (disruptions, default 10), THROUGHLINE_CRASHLOOP_SEED
// (default: random, printed), THROUGHLINE_CRASHLOOP_INTERVAL_MS (pause between the changes of
// one stream, default 100). tools/crashloop runs the long version.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/crashloop/change_driver.h"
#include "tests/crashloop/managed_service.h"
#include "tests/crashloop/task_check.h"
#include "tests/services/alignment/suite_clients.h"
#include "tests/support/private_cluster.h"
#include "tests/support/test_database.h"
#include "tests/support/wait.h"

#ifndef THROUGHLINE_TOOLS_PG
#error "THROUGHLINE_TOOLS_PG must name tools/pg (see tests/crashloop/CMakeLists.txt)"
#endif

namespace throughline::crashloop {
namespace {

using namespace ::throughline::alignment::testing;  // NOLINT: the scenario's vocabulary

constexpr char kCrashMarket[] = "organizations/acme/markets/crashloop";
constexpr int kSteadySegments = 3;
constexpr int kOfferingsPerSteadySegment = 2;
constexpr int kRoamingOfferings = 2;
// Every restart waits for this many more committed changes before the next disruption, so
// that each cycle lands in a live stream of changes rather than in an outage.
constexpr int kChangesBetweenDisruptions = 3;
constexpr absl::Duration kStartTimeout = absl::Seconds(90);
constexpr absl::Duration kProgressTimeout = absl::Seconds(120);
constexpr absl::Duration kDrainTimeout = absl::Minutes(5);

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  int64_t parsed = 0;
  if (value == nullptr || !absl::SimpleAtoi(value, &parsed)) return fallback;
  return parsed;
}

std::string SteadySegmentName(int i) { return absl::StrCat(kCrashMarket, "/segments/steady-", i); }
std::string HarborName(char which) {
  return absl::StrCat(kCrashMarket, "/segments/harbor-", std::string(1, which));
}

// What one run did, for the report. The PostgreSQL thread writes only the pg_* counters, the
// main thread the rest; both are read after the PostgreSQL thread is joined.
struct Figures {
  std::map<std::string, int> kills;  // by service
  int pg_fast_restarts = 0;
  int pg_immediate_restarts = 0;
  int unplanned_exits = 0;  // a service that died without being killed
  absl::Duration chaos;
  absl::Duration drain;

  int cycles() const {
    int total = pg_fast_restarts + pg_immediate_restarts;
    for (const auto& [service, count] : kills) total += count;
    return total;
  }
};

class CrashLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cycles_ = static_cast<int>(EnvInt("THROUGHLINE_CRASHLOOP_CYCLES", 10));
    seed_ = static_cast<uint64_t>(EnvInt("THROUGHLINE_CRASHLOOP_SEED", std::random_device{}()));
    interval_ = absl::Milliseconds(EnvInt("THROUGHLINE_CRASHLOOP_INTERVAL_MS", 100));
    std::cout << "crash loop: " << cycles_ << " cycles, seed " << seed_
              << " (rerun: THROUGHLINE_CRASHLOOP_SEED=" << seed_ << ")" << std::endl;
    RecordProperty("seed", std::to_string(seed_));

    const absl::Status started = testing::StartClusterInNewDirectory(
        THROUGHLINE_TOOLS_PG, ::testing::TempDir() + "throughline-crashloop-XXXXXX",
        testing::PrivateCluster::Commits::kDurable, &dir_, &cluster_);
    ASSERT_TRUE(started.ok()) << started;
    cluster_started_ = true;
    {
      pqxx::connection admin(cluster_->admin_url());
      pqxx::nontransaction work(admin);
      work.exec0("CREATE DATABASE crashloop");
    }
    database_url_ = testing::WithDatabase(cluster_->admin_url(), "crashloop");
    {
      const std::string tokens = dir_ + "/tokens";
      std::ofstream file(tokens);
      file << TokensFile();
      ASSERT_TRUE(file.good());
      chmod(tokens.c_str(), 0600);
    }
    const std::vector<std::string> common = {"--database_url",
                                             database_url_,
                                             "--tokens_file",
                                             dir_ + "/tokens",
                                             "--workers",
                                             "4",
                                             "--db_pool_size",
                                             "4",
                                             "--shutdown_grace_seconds",
                                             "1"};
    auto with_common = [&](std::vector<std::string> args) {
      args.insert(args.begin(), common.begin(), common.end());
      return args;
    };
    const int segment_port = PickFreePort();
    const int offering_port = PickFreePort();
    const int alignment_port = PickFreePort();
    ASSERT_TRUE(segment_port != 0 && offering_port != 0 && alignment_port != 0);
    const std::string segment_address = absl::StrCat("127.0.0.1:", segment_port);
    const std::string offering_address = absl::StrCat("127.0.0.1:", offering_port);
    services_.push_back(std::make_unique<ManagedService>("segmentd", THROUGHLINE_SEGMENTD,
                                                         segment_port, with_common({}), dir_));
    services_.push_back(std::make_unique<ManagedService>(
        "offeringd", THROUGHLINE_OFFERINGD, offering_port,
        with_common({"--segment_address", segment_address, "--alignment_address",
                     absl::StrCat("127.0.0.1:", alignment_port), "--service_token", kServiceToken}),
        dir_));
    services_.push_back(std::make_unique<ManagedService>(
        "alignmentd", THROUGHLINE_ALIGNMENTD, alignment_port,
        with_common({"--segment_address", segment_address, "--offering_address", offering_address,
                     "--service_token", kServiceToken}),
        dir_));
    for (auto& service : services_) {
      const absl::Status serving = service->Start(kStartTimeout);
      ASSERT_TRUE(serving.ok()) << serving;
    }
    clients_ =
        std::make_unique<SuiteClients>(segment_address, offering_address, services_[2]->address());
  }

  void TearDown() override {
    driver_.reset();
    clients_.reset();
    if (HasFailure()) {
      for (const auto& service : services_) {
        std::cerr << "\n===== last lines of " << service->name() << " =====\n"
                  << service->LogTail(40);
      }
      std::cerr << "\n(logs kept in " << dir_ << ")\n";
    }
    for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->Kill();
    services_.clear();
    if (cluster_started_) {
      const absl::Status stopped = cluster_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
    }
    if (!HasFailure() && !dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // Three steady segments with two offerings each (the first with an accepted decision that
  // some needs make incoherent), two harbor segments and two offerings that roam between them.
  DriverOptions CreateStrategy() {
    DriverOptions options;
    options.segment_address = services_[0]->address();
    options.offering_address = services_[1]->address();
    options.token = kAcmeEditor;
    options.interval = interval_;
    options.seed = seed_;
    options.harbor_a = HarborName('a');
    options.harbor_b = HarborName('b');
    auto market = clients_->CreateMarket("crashloop", CloudDatabases());
    EXPECT_TRUE(market.ok()) << Describe(market.status);
    for (int i = 0; i < kSteadySegments; ++i) {
      seg::Segment segment = DiyPowerUsers();
      segment.set_display_name(absl::StrCat("Steady segment ", i));
      auto created = clients_->CreateSegment(kCrashMarket, absl::StrCat("steady-", i), segment);
      EXPECT_TRUE(created.ok()) << Describe(created.status);
      SteadySegment steady{created.value, {}};
      for (int j = 0; j < kOfferingsPerSteadySegment; ++j) {
        const std::string id = absl::StrCat("steady-", i, "-", j);
        auto offering = clients_->CreateOffering(
            id, ManagedPostgres(SteadySegmentName(i), absl::StrCat("Steady offering ", i, j)));
        EXPECT_TRUE(offering.ok()) << Describe(offering.status);
        steady.offerings.push_back(offering.value.name());
        if (j == 0) {
          auto decision =
              clients_->CreateDecision(offering.value.name(), "hide-most-knobs", HideMostKnobs());
          EXPECT_TRUE(decision.ok()) << Describe(decision.status);
        }
      }
      options.steady.push_back(std::move(steady));
    }
    for (const char harbor : {'a', 'b'}) {
      seg::Segment segment = OneClickCustomers();
      segment.set_display_name(absl::StrCat("Harbor ", std::string(1, harbor)));
      auto created = clients_->CreateSegment(
          kCrashMarket, absl::StrCat("harbor-", std::string(1, harbor)), segment);
      EXPECT_TRUE(created.ok()) << Describe(created.status);
    }
    for (int i = 0; i < kRoamingOfferings; ++i) {
      auto offering = clients_->CreateOffering(
          absl::StrCat("roaming-", i),
          ManagedPostgres(options.harbor_a, absl::StrCat("Roaming offering ", i)));
      EXPECT_TRUE(offering.ok()) << Describe(offering.status);
      options.roaming.push_back({offering.value.name(), options.harbor_a});
    }
    return options;
  }

  // Restarts PostgreSQL `restarts` times at random moments, alternating fast and immediate
  // shutdowns, each after the stream made progress. Runs on its own thread.
  absl::Status RestartPostgres(int restarts, uint64_t seed, Figures& figures) {
    std::mt19937_64 random(seed);
    std::uniform_int_distribution<int> gap_ms(1000, 8000);
    for (int i = 0; i < restarts; ++i) {
      absl::SleepFor(absl::Milliseconds(gap_ms(random)));  // a random moment, not a wait
      const bool immediate = i % 2 == 1;
      const absl::Status restarted =
          immediate ? cluster_->RestartImmediate() : cluster_->RestartFast();
      if (!restarted.ok()) return restarted;
      ++(immediate ? figures.pg_immediate_restarts : figures.pg_fast_restarts);
      std::cout << "  postgres restarted (" << (immediate ? "immediate" : "fast") << ")"
                << std::endl;
      const int64_t committed = driver_->committed_count();
      if (!driver_->WaitForCommitted(committed + kChangesBetweenDisruptions, kProgressTimeout)) {
        return absl::DeadlineExceededError(
            absl::StrCat("no change committed within ", absl::FormatDuration(kProgressTimeout),
                         " after a PostgreSQL restart: ", driver_->status().ToString()));
      }
    }
    return absl::OkStatus();
  }

  // Kills a service at a random moment `kills` times and starts it again, each service in
  // turn in a shuffled order. Runs on the main thread: the children die with the thread that
  // started them (PR_SET_PDEATHSIG).
  absl::Status KillServices(int kills, std::mt19937_64& random, Figures& figures) {
    std::uniform_int_distribution<int> gap_ms(200, 1500);
    std::uniform_int_distribution<int> down_ms(0, 300);
    std::vector<ManagedService*> order;
    for (int i = 0; i < kills; ++i) {
      if (order.empty()) {
        for (auto& service : services_) order.push_back(service.get());
        std::shuffle(order.begin(), order.end(), random);
      }
      ManagedService* victim = order.back();
      order.pop_back();
      absl::SleepFor(absl::Milliseconds(gap_ms(random)));  // a random moment, not a wait
      if (absl::Status restarted = RestartUnplannedExits(figures); !restarted.ok()) {
        return restarted;
      }
      victim->Kill();
      ++figures.kills[victim->name()];
      absl::SleepFor(absl::Milliseconds(down_ms(random)));  // a random downtime
      if (absl::Status started = victim->Start(kStartTimeout); !started.ok()) return started;
      std::cout << "  " << victim->name() << " killed and restarted" << std::endl;
      const int64_t committed = driver_->committed_count();
      if (!driver_->WaitForCommitted(committed + kChangesBetweenDisruptions, kProgressTimeout)) {
        return absl::DeadlineExceededError(
            absl::StrCat("no change committed within ", absl::FormatDuration(kProgressTimeout),
                         " after ", victim->name(), " restarted: ", driver_->status().ToString()));
      }
    }
    return RestartUnplannedExits(figures);
  }

  // A service must survive a database restart; one that exited anyway is counted and started.
  absl::Status RestartUnplannedExits(Figures& figures) {
    for (auto& service : services_) {
      if (service->Running()) continue;
      ++figures.unplanned_exits;
      std::cout << "  " << service->name() << " exited by itself:\n"
                << service->LogTail(10) << std::endl;
      if (absl::Status started = service->Start(kStartTimeout); !started.ok()) return started;
    }
    return absl::OkStatus();
  }

  // How many tasks exist for `change` (read from the alignment schema).
  int64_t TasksOf(const Change& change) {
    pqxx::connection connection(database_url_);
    pqxx::read_transaction tx(connection);
    return tx
        .exec_params1(
            "SELECT count(*) FROM alignment.tasks WHERE trigger_subject = $1 "
            "AND trigger_revision = $2",
            change.subject, change.revision)[0]
        .as<int64_t>();
  }

  // What a stalled drain looks like from the database, and where each service's threads are
  // (thread stacks written next to the logs when gdb is installed).
  void PrintDrainDiagnostics() {
    try {
      pqxx::connection connection(database_url_);
      pqxx::read_transaction tx(connection);
      std::cout << "subscription cursors:\n";
      for (const auto& row : tx.exec(
               "SELECT subscription, cursor, update_time FROM alignment.subscription_cursors")) {
        std::cout << "  " << row[0].c_str() << " " << row[1].c_str() << " at " << row[2].c_str()
                  << "\n";
      }
      for (const char* schema : {"segment", "offering"}) {
        const auto head = tx.exec1(absl::StrCat("SELECT coalesce(max(position), 0), count(*) FROM ",
                                                schema, ".event_log"));
        std::cout << schema << ".event_log: last position " << head[0].c_str() << ", "
                  << head[1].c_str() << " events\n";
      }
      std::cout << "busy sessions:\n";
      for (const auto& row :
           tx.exec("SELECT pid, state, coalesce(wait_event_type, ''), coalesce(wait_event, ''), "
                   "now() - xact_start, left(query, 120) FROM pg_stat_activity "
                   "WHERE datname = current_database() AND state <> 'idle' "
                   "AND pid <> pg_backend_pid()")) {
        std::cout << "  pid " << row[0].c_str() << " " << row[1].c_str() << " waits "
                  << row[2].c_str() << "/" << row[3].c_str() << " for " << row[4].c_str() << ": "
                  << row[5].c_str() << "\n";
      }
    } catch (const std::exception& e) {
      std::cout << "cannot read the database: " << e.what() << "\n";
    }
    for (const auto& service : services_) {
      if (service->pid() == 0 || std::system("command -v gdb >/dev/null 2>&1") != 0) continue;
      const std::string out = absl::StrCat(dir_, "/", service->name(), "-stacks.txt");
      const std::string command = absl::StrCat("gdb -p ", service->pid(),
                                               " -batch -ex 'thread apply all bt' >", out, " 2>&1");
      if (std::system(command.c_str()) == 0) std::cout << "thread stacks: " << out << "\n";
    }
    std::cout << std::flush;
  }

  std::vector<FoundTask> AllTasksInDatabase() {
    std::vector<FoundTask> tasks;
    pqxx::connection connection(database_url_);
    pqxx::read_transaction tx(connection);
    for (const auto& row :
         tx.exec("SELECT offering, function_id, trigger_subject, trigger_revision, state "
                 "FROM alignment.tasks")) {
      tasks.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                       row[3].as<int64_t>(), row[4].as<std::string>()});
    }
    return tasks;
  }

  int cycles_ = 0;
  uint64_t seed_ = 0;
  absl::Duration interval_;
  std::string dir_;
  std::unique_ptr<testing::PrivateCluster> cluster_;
  bool cluster_started_ = false;
  std::string database_url_;
  std::vector<std::unique_ptr<ManagedService>> services_;  // segmentd, offeringd, alignmentd
  std::unique_ptr<SuiteClients> clients_;
  std::unique_ptr<ChangeDriver> driver_;
};

TEST_F(CrashLoopTest, EveryCommittedChangeHasExactlyItsTasksThroughKillsAndPostgresRestarts) {
  DriverOptions options = CreateStrategy();
  ASSERT_FALSE(HasFailure()) << "could not create the strategy";
  std::vector<std::string> functions;
  {
    auto listed = clients_->ListFunctions();
    ASSERT_TRUE(listed.ok()) << Describe(listed.status);
    for (const auto& function : listed.value.functions()) {
      functions.push_back(FunctionIdOf(function.name()));
    }
    ASSERT_EQ(functions.size(), 5u) << absl::StrJoin(functions, ", ");
  }

  driver_ = std::make_unique<ChangeDriver>(std::move(options));
  driver_->Start();
  ASSERT_TRUE(driver_->WaitForCommitted(kChangesBetweenDisruptions, kProgressTimeout))
      << "the stream does not start: " << driver_->status();

  // The disruptions: about one in five is a PostgreSQL restart, the rest kill -9 a service.
  const int pg_restarts = std::max(1, cycles_ / 5);
  const int kills = std::max(0, cycles_ - pg_restarts);
  Figures figures;
  std::mt19937_64 random(seed_);
  const absl::Time chaos_start = absl::Now();
  absl::Status postgres_chaos;
  std::thread postgres([&] { postgres_chaos = RestartPostgres(pg_restarts, seed_ + 1, figures); });
  const absl::Status service_chaos = KillServices(kills, random, figures);
  postgres.join();
  figures.chaos = absl::Now() - chaos_start;
  driver_->Stop();
  ASSERT_TRUE(postgres_chaos.ok()) << postgres_chaos;
  ASSERT_TRUE(service_chaos.ok()) << service_chaos;
  ASSERT_TRUE(RestartUnplannedExits(figures).ok());
  ASSERT_TRUE(driver_->status().ok()) << driver_->status();

  // Drain: one more change on each log, after everything else. Each log is processed in order,
  // so once the tasks of both exist, every earlier event has been processed.
  const absl::Time drain_start = absl::Now();
  auto segment_marker = driver_->ChangeNextSegment();
  ASSERT_TRUE(segment_marker.ok()) << segment_marker.status();
  auto offering_marker = driver_->RetargetNextOffering();
  ASSERT_TRUE(offering_marker.ok()) << offering_marker.status();
  const int64_t segment_marker_tasks =
      static_cast<int64_t>(segment_marker->offerings.size() * functions.size());
  const int64_t offering_marker_tasks = static_cast<int64_t>(functions.size());
  const bool drained = testing::WaitFor(
      [&] {
        return TasksOf(*segment_marker) >= segment_marker_tasks &&
               TasksOf(*offering_marker) >= offering_marker_tasks;
      },
      kDrainTimeout);
  figures.drain = absl::Now() - drain_start;
  EXPECT_TRUE(drained) << "alignment did not process the last changes within "
                       << absl::FormatDuration(kDrainTimeout);
  if (!drained) PrintDrainDiagnostics();

  const std::vector<Change> committed = driver_->committed();
  const std::vector<FoundTask> found = AllTasksInDatabase();
  const TaskCheck check = CheckTasks(committed, functions, found);
  // The API shows the same tasks as the schema.
  const size_t listed = clients_->AllTasks().size();

  int segment_changes = 0;
  for (const Change& change : committed) {
    if (change.kind == Change::Kind::kSegmentNeeds) ++segment_changes;
  }
  std::vector<std::string> kill_counts;
  for (const auto& [service, count] : figures.kills) {
    kill_counts.push_back(absl::StrCat(service, " ", count));
  }
  std::vector<std::string> retry_counts;
  for (const auto& [code, count] : driver_->retries()) {
    retry_counts.push_back(absl::StrCat(code, " ", count));
  }
  std::cout << "\n===== crash loop (seed " << seed_ << ") =====\n"
            << "cycles:              " << figures.cycles() << "\n"
            << "kills (SIGKILL):     " << absl::StrJoin(kill_counts, ", ") << "\n"
            << "postgres restarts:   " << figures.pg_fast_restarts << " fast, "
            << figures.pg_immediate_restarts << " immediate\n"
            << "unplanned exits:     " << figures.unplanned_exits << "\n"
            << "changes committed:   " << committed.size() << " (" << segment_changes
            << " needs changes, " << committed.size() - segment_changes << " retargets)\n"
            << "retried attempts:    " << absl::StrJoin(retry_counts, ", ") << "\n"
            << "tasks expected:      " << check.expected << "\n"
            << "tasks found:         " << check.found << " (ListTasks: " << listed << ")\n"
            << "lost:                " << check.lost << "\n"
            << "duplicated:          " << check.duplicated << "\n"
            << "unexpected:          " << check.unexpected << "\n"
            << "supersede violations: " << check.supersede_violations << "\n"
            << "chaos duration:      " << absl::FormatDuration(figures.chaos) << "\n"
            << "drain duration:      " << absl::FormatDuration(figures.drain) << "\n";
  for (const auto& example : check.examples) std::cout << "  " << example << "\n";
  std::cout << "=====" << std::endl;
  RecordProperty("cycles", figures.cycles());
  RecordProperty("changes_committed", static_cast<int>(committed.size()));
  RecordProperty("tasks_expected", static_cast<int>(check.expected));
  RecordProperty("tasks_found", static_cast<int>(check.found));
  RecordProperty("lost", static_cast<int>(check.lost));
  RecordProperty("duplicated", static_cast<int>(check.duplicated));
  RecordProperty("unexpected", static_cast<int>(check.unexpected));

  EXPECT_EQ(figures.cycles(), cycles_);
  EXPECT_EQ(figures.unplanned_exits, 0);
  EXPECT_EQ(check.lost, 0);
  EXPECT_EQ(check.duplicated, 0);
  EXPECT_EQ(check.unexpected, 0);
  EXPECT_EQ(check.supersede_violations, 0);
  EXPECT_EQ(check.found, check.expected);
  EXPECT_EQ(static_cast<int64_t>(listed), check.found);
}

}  // namespace
}  // namespace throughline::crashloop
