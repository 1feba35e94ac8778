// eventlog::EventLog::AppendAll: many events in one statement, in order, with their own
// subjects and audiences, and nothing when the transaction rolls back; and EventLog::Read's
// cursor, which continues after a full page's last event or after a short page's snapshot.
#include <regex>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "libs/db/connection_pool.h"
#include "libs/db/migrations.h"
#include "libs/db/transaction.h"
#include "libs/eventlog/event_log.h"
#include "tests/support/test_database.h"

namespace throughline::eventlog {
namespace {

using ::testing::ElementsAre;

constexpr char kSchema[] = "appendtest";

class EventLogAppendTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(db::ApplyMigrations(database_->url(), kSchema, {}).ok()); }

  EventLog::PendingEvent Draft(const std::string& subject, std::vector<std::string> audience) {
    google::protobuf::StringValue payload;
    payload.set_value(subject);
    return log_.Draft("org", "test.changed", subject, 1, payload, absl::Now(), random_,
                      std::move(audience));
  }

  void AppendAll(std::vector<EventLog::PendingEvent> events) {
    ASSERT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                  log_.AppendAll(tx, events);
                  return absl::OkStatus();
                }).ok());
  }

  ReadResult ReadAfter(const std::string& cursor, const EventFilter& filter, int limit) {
    auto read =
        log_.Read(pool_, absl::Now() + absl::Seconds(10), kAllOrganizations, cursor, filter, limit);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *std::move(read) : ReadResult{};
  }

  std::vector<LoggedEvent> ReadAll(const EventFilter& filter = {}) {
    auto read =
        log_.Read(pool_, absl::Now() + absl::Seconds(10), kAllOrganizations, "", filter, 1000);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? read->events : std::vector<LoggedEvent>{};
  }

  static EventFilter ForAudience(const std::string& audience) {
    EventFilter filter;
    filter.audience = audience;
    return filter;
  }

  static std::vector<std::string> Subjects(const std::vector<LoggedEvent>& events) {
    std::vector<std::string> subjects;
    for (const auto& logged : events) {
      subjects.push_back(logged.event.attributes().at("subject").ce_string());
    }
    return subjects;
  }

  std::unique_ptr<testing::TestDatabase> database_ = testing::TestDatabase::Create();
  db::ConnectionPool pool_{db::PoolOptions{.url = database_->url(), .schema = kSchema, .size = 2}};
  EventLog log_{"test", kSchema};
  absl::BitGen random_;
};

TEST_F(EventLogAppendTest, ABatchIsReadInTheOrderItWasAppended) {
  std::vector<EventLog::PendingEvent> batch = {Draft("a", {}), Draft("b", {}), Draft("c", {})};
  ASSERT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                log_.Append(tx, "org", "test.created", "first", 1, google::protobuf::StringValue(),
                            absl::Now(), random_);
                log_.AppendAll(tx, batch);
                return absl::OkStatus();
              }).ok());

  const auto events = ReadAll();
  EXPECT_THAT(Subjects(events), ElementsAre("first", "a", "b", "c"));
  ASSERT_EQ(events.size(), 4u);
  for (size_t i = 1; i < events.size(); ++i) {
    // What a reader sees is what AppendAll was given.
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(events[i].event, batch[i - 1].event));
  }
  // Reading after an event's cursor resumes right behind it.
  auto rest = log_.Read(pool_, absl::Now() + absl::Seconds(10), kAllOrganizations, events[1].cursor,
                        {}, 1000);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(Subjects(rest->events), ElementsAre("b", "c"));
}

// Batches encoded apart (as a fan-out encodes on its drafting thread) and joined append as
// one: every event in the order of the batches, each with its own audience.
TEST_F(EventLogAppendTest, JoinedBatchesAppendEveryEventInOrder) {
  EventLog::Batch first, empty, second, joined;
  first.Add(Draft("a", {"owner:ann"}));
  first.Add(Draft("b", {}));
  second.Add(Draft("c", {"owner:bob", "function:sales"}));
  joined.Add(std::move(first));
  joined.Add(std::move(empty));
  joined.Add(std::move(second));
  EXPECT_EQ(joined.size(), 3);
  ASSERT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                log_.AppendAll(tx, joined);
                log_.AppendAll(tx, EventLog::Batch());  // appends nothing
                return absl::OkStatus();
              }).ok());

  EXPECT_THAT(Subjects(ReadAll()), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Subjects(ReadAll(ForAudience("owner:ann"))), ElementsAre("a"));
  EXPECT_THAT(Subjects(ReadAll(ForAudience("function:sales"))), ElementsAre("c"));
}

TEST_F(EventLogAppendTest, EachEventKeepsItsOwnAudience) {
  ASSERT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                log_.AppendAll(tx, {Draft("for-ann", {"owner:ann", "function:sales"}),
                                    Draft("for-bob", {"owner:bob \"the\" {builder}, jr"}),
                                    Draft("for-nobody", {})});
                return absl::OkStatus();
              }).ok());
  EXPECT_THAT(Subjects(ReadAll(ForAudience("owner:ann"))), ElementsAre("for-ann"));
  EXPECT_THAT(Subjects(ReadAll(ForAudience("function:sales"))), ElementsAre("for-ann"));
  EXPECT_THAT(Subjects(ReadAll(ForAudience("owner:bob \"the\" {builder}, jr"))),
              ElementsAre("for-bob"));
}

TEST_F(EventLogAppendTest, ARolledBackBatchLeavesNoEventAndNoGap) {
  const absl::Status failed =
      db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
        log_.AppendAll(tx, {Draft("lost-1", {}), Draft("lost-2", {})});
        return absl::AbortedError("changed my mind");
      });
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                log_.AppendAll(tx, {Draft("kept", {})});
                return absl::OkStatus();
              }).ok());
  EXPECT_THAT(Subjects(ReadAll()), ElementsAre("kept"));
  pqxx::connection connection(database_->url());
  pqxx::work tx(connection);
  EXPECT_EQ(tx.exec1("SELECT position FROM appendtest.event_log")[0].as<int64_t>(), 1);
}

TEST_F(EventLogAppendTest, AnEmptyBatchWritesNothing) {
  ASSERT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                log_.AppendAll(tx, std::vector<EventLog::PendingEvent>());
                return absl::OkStatus();
              }).ok());
  EXPECT_TRUE(ReadAll().empty());
}

// PostgreSQL must plan a batch as what it is, one row per event. When the statement joined the
// one-row head table, which PostgreSQL assumes to hold about 2,200 rows until it is first
// vacuumed or analyzed, a fan-out's 1,000 events were planned as 2.2 million rows, costly
// enough for JIT compilation on every append (BENCHMARKS.md, step 17).
TEST_F(EventLogAppendTest, PostgreSQLEstimatesABatchAsOneRowPerEvent) {
  constexpr int kEvents = 1000;
  std::string plan;
  double jit_above_cost = 0;
  ASSERT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                log_.AppendAll(tx, {Draft("prepares-the-statement", {})});
                // The same prepared statement, explained for a batch of kEvents.
                const std::string texts =
                    absl::StrCat("array_fill('x'::text, ARRAY[", kEvents, "])");
                const std::string numbers = absl::StrCat("array_fill(1, ARRAY[", kEvents, "])");
                for (const auto& row : tx.exec(
                         absl::StrCat("EXPLAIN EXECUTE append_events(", texts, ", ", texts, ", ",
                                      texts, ", ", texts, ", '\\x00'::bytea, ", numbers, ", ",
                                      numbers, ", ", texts, ", ", kEvents, ", 'test')"))) {
                  absl::StrAppend(&plan, row[0].c_str(), "\n");
                }
                jit_above_cost = tx.exec1("SHOW jit_above_cost")[0].as<double>();
                return absl::OkStatus();
              }).ok());
  std::smatch insert;
  ASSERT_TRUE(std::regex_search(plan, insert, std::regex(R"(Insert on event_log .*rows=(\d+))")))
      << plan;
  EXPECT_EQ(std::stoll(insert[1]), kEvents) << plan;
  std::smatch top;  // the first line is the whole statement's cost
  ASSERT_TRUE(std::regex_search(plan, top, std::regex(R"(cost=[0-9.]+\.\.([0-9.]+))"))) << plan;
  EXPECT_LT(std::stod(top[1]), jit_above_cost) << plan;
}

// A reader whose filter rarely matches (an owner's WatchTasks stream) must not scan the events
// it skipped again on its next read.
TEST_F(EventLogAppendTest, AShortPageContinuesAfterEverythingItsSnapshotSaw) {
  AppendAll({Draft("for-ann", {"owner:ann"}), Draft("for-bob", {"owner:bob"}),
             Draft("for-bob-again", {"owner:bob"})});
  const ReadResult first = ReadAfter("", ForAudience("owner:ann"), 10);
  EXPECT_THAT(Subjects(first.events), ElementsAre("for-ann"));
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_NE(first.cursor, first.events[0].cursor);  // past bob's two events

  AppendAll({Draft("for-carl", {"owner:carl"}), Draft("for-ann-later", {"owner:ann"})});
  // Nothing before the cursor is read again, and nothing after it is skipped.
  EXPECT_THAT(Subjects(ReadAfter(first.cursor, {}, 10).events),
              ElementsAre("for-carl", "for-ann-later"));
  const ReadResult second = ReadAfter(first.cursor, ForAudience("owner:ann"), 10);
  EXPECT_THAT(Subjects(second.events), ElementsAre("for-ann-later"));
  ASSERT_EQ(second.events.size(), 1u);
  EXPECT_EQ(second.cursor, second.events[0].cursor);  // the last event of the log

  // A read that matches nothing moves the cursor to the head as well.
  AppendAll({Draft("for-dora", {"owner:dora"})});
  const ReadResult none = ReadAfter(second.cursor, ForAudience("owner:ann"), 10);
  EXPECT_TRUE(none.events.empty());
  EXPECT_TRUE(ReadAfter(none.cursor, {}, 10).events.empty());
  // And stands still when there is nothing new.
  EXPECT_EQ(ReadAfter(none.cursor, ForAudience("owner:ann"), 10).cursor, none.cursor);
}

// A full page may have more matching events behind it: it continues after its last event.
TEST_F(EventLogAppendTest, AFullPageContinuesAfterItsLastEvent) {
  AppendAll({Draft("a", {"owner:ann"}), Draft("b", {"owner:ann"}), Draft("c", {"owner:bob"}),
             Draft("d", {"owner:ann"})});
  const ReadResult page = ReadAfter("", ForAudience("owner:ann"), 2);
  EXPECT_THAT(Subjects(page.events), ElementsAre("a", "b"));
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.cursor, page.events[1].cursor);
  EXPECT_THAT(Subjects(ReadAfter(page.cursor, ForAudience("owner:ann"), 2).events),
              ElementsAre("d"));
}

}  // namespace
}  // namespace throughline::eventlog
