// eventlog::EventLog::Committed: the batches this process committed are read from memory, and
// a read from memory gives what the database gives for every filter, cursor and page size;
// what others appended, and what memory no longer holds, is read from the database. With the
// head known from notifications (EventLog::Notified, EventNotifier), a reader at the head gets
// nothing without a query.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "libs/db/connection_pool.h"
#include "libs/db/migrations.h"
#include "libs/db/transaction.h"
#include "libs/eventlog/event_log.h"
#include "libs/eventlog/notifier.h"
#include "tests/support/test_database.h"

namespace throughline::eventlog {
namespace {

using ::testing::ElementsAre;

constexpr char kRecentSchema[] = "recenttest";

class EventLogRecentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db::ApplyMigrations(database_->url(), kRecentSchema, {}).ok());
  }

  EventLog::PendingEvent Draft(const std::string& organization, const std::string& type,
                               const std::string& subject, std::vector<std::string> audience) {
    google::protobuf::StringValue payload;
    payload.set_value(subject);
    return writer_.Draft(organization, type, subject, 1, payload, absl::Now(), random_,
                         std::move(audience));
  }

  // Appends `batch` through `log` and, when `committed`, hands it to log.Committed.
  void Append(const EventLog& log, EventLog::Batch batch, bool committed) {
    int64_t first = 0;
    ASSERT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                  first = log.AppendAll(tx, batch);
                  return absl::OkStatus();
                }).ok());
    if (committed) log.Committed(first, std::move(batch));
  }

  static ReadResult Read(const EventLog& log, db::ConnectionPool& pool, const std::string& cursor,
                         const std::string& organization, const EventFilter& filter, int limit) {
    auto read =
        log.Read(pool, absl::Now() + absl::Seconds(10), organization, cursor, filter, limit);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *std::move(read) : ReadResult{};
  }

  // Every event after `cursor`, the way a watch stream reads: page after page while `more`.
  static std::vector<std::string> ReadToTheEnd(const EventLog& log, db::ConnectionPool& pool,
                                               std::string cursor, int limit) {
    std::vector<std::string> subjects;
    for (int pages = 0; pages < 100; ++pages) {
      const ReadResult page = Read(log, pool, cursor, kAllOrganizations, {}, limit);
      for (const auto& logged : page.events) {
        subjects.push_back(logged.event.attributes().at("subject").ce_string());
      }
      cursor = page.cursor;
      if (!page.more) return subjects;
    }
    ADD_FAILURE() << "the reads never ended";
    return subjects;
  }

  static std::vector<std::string> Ids(const ReadResult& result) {
    std::vector<std::string> ids;
    for (const auto& logged : result.events) ids.push_back(logged.event.id() + "@" + logged.cursor);
    return ids;
  }

  std::unique_ptr<testing::TestDatabase> database_ = testing::TestDatabase::Create();
  db::ConnectionPool pool_{
      db::PoolOptions{.url = database_->url(), .schema = kRecentSchema, .size = 2}};
  // The writer, which holds what it committed, and a reader of the same log with nothing in
  // memory, as in another process.
  EventLog writer_{"test", kRecentSchema};
  EventLog elsewhere_{"test", kRecentSchema};
  absl::BitGen random_;
};

TEST_F(EventLogRecentTest, AReadFromMemoryGivesWhatTheDatabaseGives) {
  EventLog::Batch before;
  before.Add(Draft("acme", "task.created", "organizations/acme/tasks/0", {"owner:ann"}));
  Append(writer_, std::move(before), /*committed=*/false);  // held by nobody
  EventLog::Batch batch;
  batch.Add(Draft("acme", "task.created", "organizations/acme/tasks/1", {"owner:ann", "f:eng"}));
  batch.Add(Draft("acme", "task.changed", "organizations/acme/tasks/1", {"owner:bob"}));
  batch.Add(Draft("other", "task.created", "organizations/other/tasks/2", {"owner:ann"}));
  batch.Add(Draft("acme", "task.created", "organizations/acme/tasks/10", {"owner:ann"}));
  batch.Add(Draft("acme", "task.created", "organizations/acme/tasks/1/sub", {}));
  Append(writer_, std::move(batch), /*committed=*/true);

  const std::vector<EventFilter> filters = {
      {"", "", ""},          {"task.created", "", ""},      {"", "organizations/acme/tasks/1", ""},
      {"", "", "owner:ann"}, {"task.created", "", "f:eng"}, {"", "", "owner:nobody"}};
  // Cursors before every event, at the event before the batch (position 1), and at each event
  // of the batch (positions 2 to 6).
  std::vector<std::string> cursors = {""};
  for (const auto& logged : Read(elsewhere_, pool_, "", kAllOrganizations, {}, 10).events) {
    cursors.push_back(logged.cursor);
  }
  ASSERT_EQ(cursors.size(), 7u);
  for (const std::string& organization : {std::string(kAllOrganizations), std::string("acme")}) {
    for (const EventFilter& filter : filters) {
      for (const std::string& cursor : cursors) {
        for (int limit : {1, 2, 10}) {
          SCOPED_TRACE(
              absl::StrCat(organization, " type=", filter.type, " prefix=", filter.subject_prefix,
                           " audience=", filter.audience, " cursor=", cursor, " limit=", limit));
          const ReadResult memory = Read(writer_, pool_, cursor, organization, filter, limit);
          const ReadResult database = Read(elsewhere_, pool_, cursor, organization, filter, limit);
          EXPECT_EQ(Ids(memory), Ids(database));
          EXPECT_EQ(memory.cursor, database.cursor);
          // Memory cannot tell what others appended after its batch: the reader asks again.
          EXPECT_TRUE(memory.more || memory.cursor == cursors.back());
        }
      }
    }
  }
}

TEST_F(EventLogRecentTest, ReadsFromMemoryAndFromTheDatabaseFollowEachOtherWithoutGapsOrRepeats) {
  const auto one = [&](const std::string& subject) {
    EventLog::Batch batch;
    batch.Add(Draft("acme", "t", subject, {}));
    return batch;
  };
  Append(writer_, one("a"), /*committed=*/true);
  Append(elsewhere_, one("b"), /*committed=*/true);  // another process's
  Append(writer_, one("c"), /*committed=*/true);
  Append(writer_, one("d"), /*committed=*/false);  // not handed over (a single task change)
  Append(writer_, one("e"), /*committed=*/true);

  EXPECT_THAT(ReadToTheEnd(writer_, pool_, "", 1), ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(ReadToTheEnd(writer_, pool_, "", 10), ElementsAre("a", "b", "c", "d", "e"));
  // The writer's memory served what it held: the database no longer has "a", yet a read
  // after nothing still gets it.
  pqxx::connection connection(database_->url());
  pqxx::work tx(connection);
  tx.exec("DELETE FROM recenttest.event_log WHERE position = 1");
  tx.commit();
  EXPECT_THAT(ReadToTheEnd(writer_, pool_, "", 10), ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(ReadToTheEnd(elsewhere_, pool_, "", 10), ElementsAre("b", "c", "d", "e"));
}

// The commit's notification can wake a stream before the writer learns that its transaction
// committed: until the writer says how it ended, a read that reaches its append gets nothing
// yet, rather than read the batch from the database.
TEST_F(EventLogRecentTest, AReadReachingAnAppendThatHasNotEndedWaitsForItsEnd) {
  std::vector<std::string> woken;
  writer_.SetLocalWake([&](const std::string& organization) { woken.push_back(organization); });
  const auto append = [&](const std::string& subject) {
    EventLog::Batch batch;
    batch.Add(Draft("acme", "t", subject, {}));
    int64_t first = 0;
    EXPECT_TRUE(db::RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
                  first = writer_.AppendAll(tx, batch);
                  writer_.Appending(first, batch);
                  return absl::OkStatus();
                }).ok());
    return std::make_pair(first, std::move(batch));
  };
  const auto subjects = [&](const std::string& cursor) {
    std::vector<std::string> found;
    for (const auto& logged : Read(writer_, pool_, cursor, "acme", {}, 10).events) {
      found.push_back(logged.event.attributes().at("subject").ce_string());
    }
    return found;
  };

  auto [first, batch] = append("committed");
  EXPECT_THAT(subjects(""), ElementsAre());
  EXPECT_FALSE(Read(writer_, pool_, "", "acme", {}, 10).more);
  EXPECT_EQ(Read(elsewhere_, pool_, "", "acme", {}, 10).events.size(), 1u);  // in the database
  // A reader of another organization waits too, and is woken with the batch's.
  EXPECT_TRUE(Read(writer_, pool_, "", "other", {}, 10).events.empty());
  EXPECT_THAT(woken, ElementsAre());
  writer_.Committed(first, std::move(batch));
  EXPECT_THAT(woken, ElementsAre("acme", "other"));
  EXPECT_THAT(subjects(""), ElementsAre("committed"));

  // An append whose outcome the writer does not know is read from the database.
  const std::string after_first = Read(writer_, pool_, "", "acme", {}, 10).events[0].cursor;
  auto [second, unknown] = append("outcome unknown");
  EXPECT_THAT(subjects(after_first), ElementsAre());
  EXPECT_THAT(subjects(""), ElementsAre("committed"));  // what comes before it is read
  writer_.Abandoned(second);
  EXPECT_THAT(woken, ElementsAre("acme", "other", "acme"));
  EXPECT_THAT(subjects(after_first), ElementsAre("outcome unknown"));
}

// Only the latest few thousand events are held: older batches are read from the database.
TEST_F(EventLogRecentTest, OldBatchesLeaveMemoryForNewOnes) {
  for (int batches = 0; batches < 3; ++batches) {
    EventLog::Batch batch;
    for (int i = 0; i < 2000; ++i) batch.Add(Draft("acme", "t", absl::StrCat(batches, "-", i), {}));
    Append(writer_, std::move(batch), /*committed=*/true);
  }
  // The first batch (positions 1-2,000) is gone: its read comes from the database, which
  // knows its page is the whole log.
  const ReadResult first = Read(writer_, pool_, "", kAllOrganizations, {}, 10000);
  EXPECT_EQ(first.events.size(), 6000u);
  EXPECT_FALSE(first.more);
  // The last two are held.
  const std::string in_second = first.events[2000].cursor;
  const ReadResult rest = Read(writer_, pool_, in_second, kAllOrganizations, {}, 10000);
  EXPECT_EQ(rest.events.size(), 3999u);
  EXPECT_TRUE(rest.more);
}

TEST(EventLogNotificationTest, ANotificationNamesItsOrganizationAndTheCommitsLastPosition) {
  const EventLog::Notification positioned = EventLog::ParseNotification("acme 42");
  EXPECT_EQ(positioned.organization, "acme");
  EXPECT_EQ(positioned.last_position, 42);
  // As sent by a writer of an older version.
  const EventLog::Notification plain = EventLog::ParseNotification("acme");
  EXPECT_EQ(plain.organization, "acme");
  EXPECT_EQ(plain.last_position, std::nullopt);
}

// A reader at the head the log last heard of (EventLog::Notified) gets nothing without asking
// the database, and a page from memory that reaches that head is complete: the watch streams
// of a busy alignmentd read every commit of their own process from memory alone
// (BENCHMARKS.md, step 22). What commits later is heard of by its notification.
// EventLog::RunTransaction does for a service's changes what alignmentd's writer does by hand:
// what commits is read from memory, woken at once; what does not (an error, an attempt retried)
// is read from the database again.
TEST_F(EventLogRecentTest, ATransactionOfRunTransactionReachesThisProcessFromMemory) {
  std::vector<std::string> woken;
  writer_.SetLocalWake([&](const std::string& organization) { woken.push_back(organization); });
  google::protobuf::StringValue payload;
  auto change = [&](const std::string& subject, int failures) {
    int attempts = 0;
    return writer_.RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
      writer_.Append(tx, "acme", "t", subject, 1, payload, absl::Now(), random_);
      if (attempts++ < failures) throw pqxx::serialization_failure("conflict, as in a test");
      return subject == "refused" ? absl::FailedPreconditionError("refused") : absl::OkStatus();
    });
  };
  ASSERT_TRUE(change("a", 0).ok());
  EXPECT_THAT(woken, ElementsAre("acme"));
  EXPECT_EQ(change("refused", 0).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(change("b", 2).ok());  // two attempts rolled back, each reusing the position

  // Gone from the database, still in this process's memory: what committed, once.
  pqxx::connection connection(database_->url());
  pqxx::work deletion(connection);
  deletion.exec0(absl::StrCat("DELETE FROM ", kRecentSchema, ".event_log"));
  deletion.commit();
  EXPECT_THAT(ReadToTheEnd(writer_, pool_, "", 10), ElementsAre("a", "b"));
  EXPECT_THAT(ReadToTheEnd(elsewhere_, pool_, "", 10), ::testing::IsEmpty());
}

// A retried attempt's appends are abandoned before the next attempt runs: the next one need
// not append at the same positions. Here another process takes the position of the attempt
// rolled back, and the retry appends after it; a position left waiting for the rolled-back
// attempt would have stopped every reader there ("nothing yet", for good).
TEST_F(EventLogRecentTest, ARetryAfterAnotherProcessTookThePositionLeavesNoReaderWaiting) {
  google::protobuf::StringValue payload;
  EventLog::Batch other;
  other.Add(Draft("acme", "t", "other", {}));
  int attempts = 0;
  ASSERT_TRUE(writer_
                  .RunTransaction(pool_, absl::Now() + absl::Seconds(10),
                                  [&](pqxx::work& tx) {
                                    if (attempts == 1) {
                                      Append(elsewhere_, std::move(other), /*committed=*/true);
                                    }
                                    writer_.Append(tx, "acme", "t",
                                                   attempts == 0 ? "rolled back" : "b", 1, payload,
                                                   absl::Now(), random_);
                                    if (attempts++ == 0) {
                                      throw pqxx::serialization_failure("conflict, as in a test");
                                    }
                                    return absl::OkStatus();
                                  })
                  .ok());
  EXPECT_EQ(attempts, 2);
  EXPECT_THAT(ReadToTheEnd(writer_, pool_, "", 10), ElementsAre("other", "b"));
}

TEST_F(EventLogRecentTest, AReadAtTheKnownHeadGetsNothingWithoutTheDatabase) {
  const auto one = [&](const std::string& subject) {
    EventLog::Batch batch;
    batch.Add(Draft("acme", "t", subject, {}));
    return batch;
  };
  writer_.Notified(0);  // the notifier read the head of the empty log
  Append(writer_, one("a"), /*committed=*/true);
  const ReadResult page = Read(writer_, pool_, "", "acme", {}, 10);
  ASSERT_EQ(page.events.size(), 1u);
  EXPECT_FALSE(page.more);
  const std::string at_a = page.cursor;

  // Another process appends: until its notification arrives, this one does not know.
  Append(elsewhere_, one("b"), /*committed=*/true);
  EXPECT_TRUE(Read(writer_, pool_, at_a, "acme", {}, 10).events.empty());
  EXPECT_FALSE(Read(writer_, pool_, at_a, "acme", {}, 10).more);
  EXPECT_EQ(Read(elsewhere_, pool_, at_a, "acme", {}, 10).events.size(), 1u);  // it exists
  writer_.Notified(2);
  const ReadResult heard = Read(writer_, pool_, at_a, "acme", {}, 10);
  ASSERT_EQ(heard.events.size(), 1u);
  const std::string at_b = heard.events[0].cursor;

  // A page from memory that stops short of the known head is followed by a database read.
  Append(writer_, one("c"), /*committed=*/true);
  writer_.Notified(4);  // as if a fourth event had committed elsewhere
  const ReadResult short_of_head = Read(writer_, pool_, at_b, "acme", {}, 10);
  EXPECT_EQ(short_of_head.events.size(), 1u);
  EXPECT_TRUE(short_of_head.more);

  // A notification without a position makes the head unknown: pages from memory may be
  // followed by more.
  writer_.Notified(std::nullopt);
  EXPECT_TRUE(Read(writer_, pool_, "", "acme", {}, 10).more);
}

// The notifier tells the log each notification's position before it wakes the readers, and
// on every poll the head it reads, which stands in for lost notifications.
class EventNotifierHeadTest : public EventLogRecentTest {
 protected:
  // Counts the wake-ups of `organization`'s readers.
  class Wakes {
   public:
    Wakes(EventNotifier& notifier, const std::string& organization) : notifier_(notifier) {
      id_ = notifier.Subscribe(organization, [this] {
        absl::MutexLock lock(&mu_);
        ++count_;
      });
    }
    ~Wakes() { notifier_.Unsubscribe(id_); }
    int count() {
      absl::MutexLock lock(&mu_);
      return count_;
    }
    // Waits up to 10 seconds for the count to pass `seen`.
    bool After(int seen) {
      absl::MutexLock lock(&mu_);
      auto passed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_ > seen; };
      return mu_.AwaitWithTimeout(absl::Condition(&passed), absl::Seconds(10));
    }

   private:
    EventNotifier& notifier_;
    int64_t id_ = 0;
    absl::Mutex mu_;
    int count_ ABSL_GUARDED_BY(mu_) = 0;
  };

  // An append whose notification nobody hears, as if it were lost: the same tables, through a
  // log whose channel is another.
  void AppendUnheard(const std::string& subject) {
    EventLog unheard{"test", "unheard"};
    EventLog::Batch batch;
    batch.Add(Draft("acme", "t", subject, {}));
    Append(unheard, std::move(batch), /*committed=*/false);
  }

  EventLog reader_{"test", kRecentSchema};
};

TEST_F(EventNotifierHeadTest, ANotificationTellsTheLogItsPositionBeforeTheReadersWake) {
  EventNotifier notifier(pool_, reader_, /*poll_interval=*/absl::Hours(1));
  Wakes wakes(notifier, "acme");
  notifier.Start();
  ASSERT_TRUE(wakes.After(0));  // listening: everyone is woken once

  EventLog::Batch batch;
  batch.Add(Draft("acme", "t", "a", {}));
  Append(writer_, std::move(batch), /*committed=*/false);
  ASSERT_TRUE(wakes.After(1));
  const ReadResult heard = Read(reader_, pool_, "", "acme", {}, 10);
  ASSERT_EQ(heard.events.size(), 1u);

  AppendUnheard("b");
  EXPECT_TRUE(Read(reader_, pool_, heard.cursor, "acme", {}, 10).events.empty());
  EXPECT_EQ(Read(elsewhere_, pool_, heard.cursor, "acme", {}, 10).events.size(), 1u);
}

TEST_F(EventNotifierHeadTest, APollMovesTheHeadToWhatIsCommitted) {
  EventNotifier notifier(pool_, reader_, /*poll_interval=*/absl::Milliseconds(20));
  Wakes wakes(notifier, "acme");
  notifier.Start();
  ASSERT_TRUE(wakes.After(0));
  AppendUnheard("a");
  // Every poll wakes everyone; one after the append has read the head that includes it.
  bool found = false;
  for (int polls = 0; polls < 500 && !found; ++polls) {
    const int seen = wakes.count();
    ASSERT_TRUE(wakes.After(seen));
    found = !Read(reader_, pool_, "", "acme", {}, 10).events.empty();
  }
  EXPECT_TRUE(found);
}

// What a cache of the log's resources hears (EventNotifier::ChangeObserver): the organization
// of every notified commit, and whether it hears every commit at all, which it does not while
// the LISTEN connection is down.
class ObserverTest : public EventNotifierHeadTest {
 protected:
  class Observer : public EventNotifier::ChangeObserver {
   public:
    void Changed(const std::string& organization) override {
      absl::MutexLock lock(&mu_);
      changed_.push_back(organization);
    }
    void Watching(bool watching) override {
      absl::MutexLock lock(&mu_);
      watching_.push_back(watching);
    }
    // Waits up to 10 seconds for `organization`'s change.
    bool AwaitChanged(const std::string& organization) {
      absl::MutexLock lock(&mu_);
      auto heard = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return std::find(changed_.begin(), changed_.end(), organization) != changed_.end();
      };
      return mu_.AwaitWithTimeout(absl::Condition(&heard), absl::Seconds(10));
    }
    // Waits up to 10 seconds for `count` Watching calls, and returns them.
    std::vector<bool> AwaitWatching(size_t count) {
      absl::MutexLock lock(&mu_);
      auto told = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return watching_.size() >= count; };
      mu_.AwaitWithTimeout(absl::Condition(&told), absl::Seconds(10));
      return watching_;
    }

   private:
    absl::Mutex mu_;
    std::vector<std::string> changed_ ABSL_GUARDED_BY(mu_);
    std::vector<bool> watching_ ABSL_GUARDED_BY(mu_);
  };
};

TEST_F(ObserverTest, HearsEveryNotifiedCommitAndWhenNotificationsMayBeLost) {
  EventNotifier notifier(pool_, reader_, /*poll_interval=*/absl::Hours(1));
  Observer observer;
  notifier.AddObserver(&observer);
  notifier.Start();
  // Not watching until the LISTEN connection is up and the head was read.
  ASSERT_THAT(observer.AwaitWatching(2), ElementsAre(false, true));

  EventLog::Batch batch;
  batch.Add(Draft("globex", "t", "a", {}));
  Append(writer_, std::move(batch), /*committed=*/false);
  EXPECT_TRUE(observer.AwaitChanged("globex"));

  // The LISTEN connection lost (a restart, a failover, an idle timeout): notifications of
  // commits until it is back are lost, which the observer is told both ways.
  pqxx::connection admin(database_->url());
  const pqxx::result ended = pqxx::nontransaction(admin).exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND query LIKE 'LISTEN%'");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_THAT(observer.AwaitWatching(4), ElementsAre(false, true, false, true));

  EventLog::Batch after;
  after.Add(Draft("initech", "t", "b", {}));
  Append(writer_, std::move(after), /*committed=*/false);
  EXPECT_TRUE(observer.AwaitChanged("initech"));
  notifier.RemoveObserver(&observer);
}

// A notification that reached the LISTEN connection but is not yet told to the observers
// shows as pending, so that a cache can stop answering from memory before it hears the change.
TEST_F(ObserverTest, ANotificationReceivedButNotYetToldIsPending) {
  EventNotifier notifier(pool_, reader_, /*poll_interval=*/absl::Hours(1));
  EXPECT_TRUE(notifier.NotificationsPending()) << "no LISTEN connection yet";
  // Holds the notifier's thread in its first Changed call until released.
  class Holding : public Observer {
   public:
    void Changed(const std::string& organization) override {
      Observer::Changed(organization);
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&released_));
    }
    void Release() {
      absl::MutexLock lock(&mu_);
      released_ = true;
    }

   private:
    absl::Mutex mu_;
    bool released_ ABSL_GUARDED_BY(mu_) = false;
  } observer;
  notifier.AddObserver(&observer);
  notifier.Start();
  ASSERT_THAT(observer.AwaitWatching(2), ElementsAre(false, true));
  EXPECT_FALSE(notifier.NotificationsPending());

  EventLog::Batch first;
  first.Add(Draft("globex", "t", "a", {}));
  Append(writer_, std::move(first), /*committed=*/false);
  ASSERT_TRUE(observer.AwaitChanged("globex"));  // the thread is held there
  EventLog::Batch second;
  second.Add(Draft("initech", "t", "b", {}));
  Append(writer_, std::move(second), /*committed=*/false);
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!notifier.NotificationsPending() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));  // the database delivers it on its own time
  }
  EXPECT_TRUE(notifier.NotificationsPending());

  observer.Release();
  EXPECT_TRUE(observer.AwaitChanged("initech"));
  notifier.RemoveObserver(&observer);
}

}  // namespace
}  // namespace throughline::eventlog
