// AlignmentStore's batched task statements against the alignment schema in a throwaway
// database, without the servers: what they write, and that their plans stay bounded by the rows
// they are given whatever PostgreSQL's statistics say.
#include "services/alignment/alignment_store.h"

#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/api/resources.h"
#include "libs/db/connection_pool.h"
#include "libs/db/migrations.h"
#include "libs/db/transaction.h"
#include "services/alignment/alignment_server.h"
#include "tests/support/test_database.h"

namespace throughline::alignment {

const std::vector<db::Migration>& AlignmentMigrations();

namespace {

using ::testing::ElementsAre;

constexpr char kOrganization[] = "acme";

class AlignmentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db::ApplyMigrations(database_->url(), kSchema, AlignmentMigrations()).ok());
  }

  // An OPEN task of its own offering; the product function's.
  static v1::Task OpenTask(int i) {
    v1::Task task;
    task.set_name(absl::StrCat("organizations/", kOrganization, "/tasks/t", i));
    task.set_uid(absl::StrCat("00000000-0000-4000-8000-", absl::Dec(i, absl::kZeroPad12)));
    task.set_offering(absl::StrCat("organizations/", kOrganization, "/offerings/o", i));
    task.set_function(absl::StrCat("organizations/", kOrganization, "/functions/product"));
    task.set_owner("pm@acme.example");
    task.set_state(v1::Task::OPEN);
    task.set_segment(absl::StrCat("organizations/", kOrganization, "/markets/m/segments/s"));
    task.set_segment_revision(1);
    task.mutable_trigger()->set_event_source("//test");
    task.mutable_trigger()->set_event_id("e1");
    *task.mutable_due_time() = api::ToTimestamp(absl::Now() + absl::Hours(24));
    *task.mutable_create_time() = api::ToTimestamp(absl::Now());
    *task.mutable_update_time() = task.create_time();
    return task;
  }

  void Run(const std::function<absl::Status(pqxx::work&)>& body) {
    const absl::Status status = db::RunTransaction(pool_, absl::Now() + absl::Seconds(30), body);
    ASSERT_TRUE(status.ok()) << status;
  }

  // Collects the messages the session receives (here, auto_explain's plans) while it exists.
  class PlanCollector : public pqxx::errorhandler {
   public:
    PlanCollector(pqxx::connection_base& connection, std::string& out)
        : pqxx::errorhandler(connection), out_(out) {}
    bool operator()(const char message[]) noexcept override {
      out_ += message;
      return false;
    }

   private:
    std::string& out_;
  };

  // Inserts `tasks` in one transaction.
  void Insert(const std::vector<v1::Task>& tasks) {
    Run([&](pqxx::work& tx) {
      std::vector<AlignmentStore::TaskWrite> inserts;
      for (const v1::Task& task : tasks) {
        inserts.push_back({task.name().substr(task.name().rfind('/') + 1), 1, &task});
      }
      EXPECT_EQ(AlignmentStore::InsertTasks(tx, kOrganization, inserts).size(), tasks.size());
      return absl::OkStatus();
    });
  }

  // What a supersession of `superseded` (their states already changed) does in a transaction
  // that is rolled back, planned in `plan_cache_mode` on the pool's one connection: the tasks
  // it updated, and how many rows its scans of `tasks` returned over all their loops.
  struct Supersession {
    std::vector<std::string> updated;
    int64_t rows_read = 0;
    std::string plan;
  };
  Supersession Supersede(const std::vector<v1::Task>& superseded, const char* plan_cache_mode) {
    std::vector<AlignmentStore::TaskWrite> updates;
    for (const v1::Task& task : superseded) {
      updates.push_back({task.name().substr(task.name().rfind('/') + 1), 2, &task});
    }
    Supersession result;
    const absl::Status rolled_back =
        db::RunTransaction(pool_, absl::Now() + absl::Seconds(30), [&](pqxx::work& tx) {
          tx.exec0(absl::StrCat("SET LOCAL plan_cache_mode = ", plan_cache_mode));
          // auto_explain sends the plan of every statement, as it ran, to this session as a
          // NOTICE: the store's own call is explained, with its own parameters.
          tx.exec0("LOAD 'auto_explain'");
          tx.exec0("SET LOCAL auto_explain.log_min_duration = 0");
          tx.exec0("SET LOCAL auto_explain.log_analyze = on");
          tx.exec0("SET LOCAL auto_explain.log_timing = off");
          tx.exec0("SET LOCAL auto_explain.log_level = notice");
          {
            PlanCollector collector(tx.conn(), result.plan);
            AlignmentStore::UpdateTasks(tx, kOrganization, updates);
          }
          tx.exec0("SET LOCAL auto_explain.log_min_duration = -1");
          for (const auto& row : tx.exec("SELECT task_id FROM tasks WHERE version = 2 AND "
                                         "state = 'SUPERSEDED' ORDER BY task_id")) {
            result.updated.push_back(row[0].as<std::string>());
          }
          return absl::AbortedError(
              "rolled back: the next supersession starts from the same tasks");
        });
    EXPECT_EQ(rolled_back.code(), absl::StatusCode::kAborted) << rolled_back;
    int scans = 0;
    const std::regex scan(R"(Scan[^\n]* on tasks\s+\([^\n]*rows=(\d+) loops=(\d+))");
    for (auto it = std::sregex_iterator(result.plan.begin(), result.plan.end(), scan);
         it != std::sregex_iterator(); ++it) {
      ++scans;
      result.rows_read += std::stoll((*it)[1]) * std::stoll((*it)[2]);
    }
    EXPECT_GT(scans, 0) << result.plan;
    return result;
  }

  // The first `n` of `tasks`, SUPERSEDED.
  static std::vector<v1::Task> SupersededFirst(const std::vector<v1::Task>& tasks, int n) {
    std::vector<v1::Task> superseded(tasks.begin(), tasks.begin() + n);
    for (v1::Task& task : superseded) task.set_state(v1::Task::SUPERSEDED);
    return superseded;
  }

  std::unique_ptr<throughline::testing::TestDatabase> database_ =
      throughline::testing::TestDatabase::Create();
  db::ConnectionPool pool_{db::PoolOptions{.url = database_->url(), .schema = kSchema, .size = 1}};
};

// A supersession names its tasks; the UPDATE must read those and no others. With
// `organization = $1` as a filter of its own, PostgreSQL read every task of the organization
// while it estimated the organization at a few rows: here (never analyzed) and in the fan-out
// benchmark (BENCHMARKS.md, step 18). Checked in a custom and in a generic plan.
TEST_F(AlignmentStoreTest, ASupersessionReadsOnlyTheTasksItUpdates) {
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 2000; ++i) tasks.push_back(OpenTask(i));
  Insert(tasks);
  for (const char* mode : {"force_custom_plan", "force_generic_plan"}) {
    SCOPED_TRACE(mode);
    const Supersession supersession = Supersede(SupersededFirst(tasks, 5), mode);
    EXPECT_THAT(supersession.updated, ElementsAre("t0", "t1", "t2", "t3", "t4"));
    EXPECT_LE(supersession.rows_read, 5) << supersession.plan;
  }
}

// A prepared statement's generic plan is made once per connection, for the table as it was
// then, and kept until the table's statistics change. For a few tasks the best plan reads them
// all; kept while the table grew, that plan read every task on every change (a latency run
// read 700 pages per 5-task supersession, BENCHMARKS.md step 25). The supersession is planned
// on every call, for the table as it is.
TEST_F(AlignmentStoreTest, ASupersessionFirstRunOnFewTasksReadsOnlyItsTasksOnceTheyAreMany) {
  std::vector<v1::Task> tasks;
  for (int i = 0; i < 2000; ++i) tasks.push_back(OpenTask(i));
  const std::vector<v1::Task> few(tasks.begin(), tasks.begin() + 5);
  const std::vector<v1::Task> many(tasks.begin() + 5, tasks.end());
  Insert(few);
  EXPECT_EQ(Supersede(SupersededFirst(few, 5), "force_generic_plan").updated.size(), 5u);

  Insert(many);
  const Supersession supersession = Supersede(SupersededFirst(tasks, 5), "force_generic_plan");
  EXPECT_THAT(supersession.updated, ElementsAre("t0", "t1", "t2", "t3", "t4"));
  EXPECT_LE(supersession.rows_read, 5) << supersession.plan;
}

}  // namespace
}  // namespace throughline::alignment
