// db::ReadCoalescer (concurrent point reads in one statement), against a real table. A batch
// function that blocks until the test releases it holds the reader, so that what queues meanwhile
// is known exactly.
#include "libs/db/read_coalescer.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/db/connection_pool.h"
#include "libs/db/prepared.h"
#include "libs/db/sql_array.h"
#include "libs/db/transaction.h"
#include "tests/support/test_database.h"

namespace throughline::db {
namespace {

using Coalescer = ReadCoalescer<std::string, std::string>;
using Result = absl::StatusOr<std::optional<std::string>>;

constexpr PreparedStatement kFindItems{"find_items", R"sql(
  SELECT k.position, i.value FROM unnest($1::text[]) WITH ORDINALITY AS k(key, position)
  JOIN items AS i USING (key))sql"};

std::vector<std::optional<std::string>> FindItems(pqxx::transaction_base& tx,
                                                  const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values(keys.size());
  for (const pqxx::row& row : ExecPrepared(tx, kFindItems, TextArray(keys))) {
    values.at(row[0].as<size_t>() - 1) = row[1].as<std::string>();
  }
  return values;
}

// The answer of one read, once its callback has run.
class Answer {
 public:
  Coalescer::Callback callback() {
    return [this](Result result) {
      result_ = std::move(result);
      done_.Notify();
    };
  }
  const Result& Wait() {
    done_.WaitForNotification();
    return result_;
  }

 private:
  Result result_;
  absl::Notification done_;
};

class ReadCoalescerTest : public ::testing::Test {
 protected:
  ReadCoalescerTest() {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    tx.exec0("CREATE TABLE items (key text PRIMARY KEY, value text NOT NULL)");
    tx.exec0("INSERT INTO items VALUES ('a', 'apple'), ('b', 'banana'), ('c', 'cherry')");
    tx.commit();
  }

  // A batch function that records each batch's keys and holds the first batch until
  // release_first is notified.
  Coalescer::ReadBatch HoldingFirstBatch() {
    return [this](pqxx::transaction_base& tx, const std::vector<std::string>& keys) {
      bool first = false;
      {
        absl::MutexLock lock(&mu_);
        first = batches_.empty();
        batches_.push_back(keys);
      }
      if (first) {
        first_started_.Notify();
        // Bounded, so that a failed test cannot hang on a reader nobody releases.
        release_first_.WaitForNotificationWithTimeout(absl::Seconds(30));
      }
      return FindItems(tx, keys);
    };
  }

  std::vector<std::vector<std::string>> batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }

  static absl::Time Later() { return absl::Now() + absl::Seconds(30); }

  std::unique_ptr<testing::TestDatabase> database_ = testing::TestDatabase::Create();
  ConnectionPool pool_{PoolOptions{.url = database_->url(), .schema = "public", .size = 2}};
  absl::Mutex mu_;
  std::vector<std::vector<std::string>> batches_ ABSL_GUARDED_BY(mu_);
  absl::Notification first_started_;
  absl::Notification release_first_;
};

TEST_F(ReadCoalescerTest, AnswersEachKeyAndNothingForAMissingOne) {
  Answer apple;
  Answer missing;
  Answer banana;
  Coalescer coalescer(pool_, FindItems, {.readers = 2});
  ASSERT_TRUE(coalescer.ReadAsync("a", Later(), apple.callback()));
  ASSERT_TRUE(coalescer.ReadAsync("nope", Later(), missing.callback()));
  ASSERT_TRUE(coalescer.ReadAsync("b", Later(), banana.callback()));

  ASSERT_TRUE(apple.Wait().ok()) << apple.Wait().status();
  EXPECT_EQ(*apple.Wait(), std::optional<std::string>("apple"));
  ASSERT_TRUE(missing.Wait().ok()) << missing.Wait().status();
  EXPECT_EQ(*missing.Wait(), std::nullopt);
  ASSERT_TRUE(banana.Wait().ok()) << banana.Wait().status();
  EXPECT_EQ(*banana.Wait(), std::optional<std::string>("banana"));
}

TEST_F(ReadCoalescerTest, ReadsQueuedDuringAStatementShareTheNextOne) {
  const std::vector<std::string> keys = {"b", "c", "nope", "b", "a"};
  Answer first;
  std::vector<Answer> answers(keys.size());
  Coalescer coalescer(pool_, HoldingFirstBatch(), {.readers = 1});
  ASSERT_TRUE(coalescer.ReadAsync("a", Later(), first.callback()));
  first_started_.WaitForNotification();

  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(coalescer.ReadAsync(keys[i], Later(), answers[i].callback()));
  }
  EXPECT_EQ(coalescer.queued(), keys.size());
  release_first_.Notify();

  EXPECT_EQ(*first.Wait(), std::optional<std::string>("apple"));
  const std::vector<std::optional<std::string>> expected = {"banana", "cherry", std::nullopt,
                                                            "banana", "apple"};
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(answers[i].Wait().ok()) << keys[i] << ": " << answers[i].Wait().status();
    EXPECT_EQ(*answers[i].Wait(), expected[i]) << keys[i];
  }
  EXPECT_EQ(batches(), (std::vector<std::vector<std::string>>{{"a"}, keys}));
}

TEST_F(ReadCoalescerTest, AReadWhoseDeadlinePassedWhileQueuedIsAnsweredWithoutAStatement) {
  Answer first;
  Answer late;
  Coalescer coalescer(pool_, HoldingFirstBatch(), {.readers = 1});
  ASSERT_TRUE(coalescer.ReadAsync("a", Later(), first.callback()));
  first_started_.WaitForNotification();
  ASSERT_TRUE(coalescer.ReadAsync("b", absl::Now(), late.callback()));
  release_first_.Notify();

  EXPECT_TRUE(first.Wait().ok()) << first.Wait().status();
  EXPECT_EQ(late.Wait().status().code(), absl::StatusCode::kDeadlineExceeded)
      << late.Wait().status();
  EXPECT_EQ(batches(), (std::vector<std::vector<std::string>>{{"a"}}));
}

TEST_F(ReadCoalescerTest, TheDatabasesErrorAnswersEveryReadOfTheBatch) {
  Answer one;
  Answer two;
  Coalescer coalescer(pool_,
                      [](pqxx::transaction_base& tx, const std::vector<std::string>& keys) {
                        tx.exec("SELECT * FROM no_such_table");
                        return std::vector<std::optional<std::string>>(keys.size());
                      },
                      {.readers = 1});
  ASSERT_TRUE(coalescer.ReadAsync("a", Later(), one.callback()));
  ASSERT_TRUE(coalescer.ReadAsync("b", Later(), two.callback()));
  EXPECT_EQ(one.Wait().status().code(), absl::StatusCode::kInternal) << one.Wait().status();
  EXPECT_EQ(two.Wait().status().code(), absl::StatusCode::kInternal) << two.Wait().status();
}

TEST_F(ReadCoalescerTest, ABatchFunctionAnsweringTheWrongNumberOfValuesIsAnInternalError) {
  Answer answer;
  Coalescer coalescer(pool_,
                      [](pqxx::transaction_base&, const std::vector<std::string>&) {
                        return std::vector<std::optional<std::string>>();
                      },
                      {.readers = 1});
  ASSERT_TRUE(coalescer.ReadAsync("a", Later(), answer.callback()));
  EXPECT_EQ(answer.Wait().status().code(), absl::StatusCode::kInternal) << answer.Wait().status();
}

TEST_F(ReadCoalescerTest, ReadsBeyondTheQueueLimitAreRefused) {
  Answer first;
  Answer second;
  Answer third;
  Coalescer coalescer(pool_, HoldingFirstBatch(), {.readers = 1, .max_queued = 2});
  ASSERT_TRUE(coalescer.ReadAsync("a", Later(), first.callback()));
  first_started_.WaitForNotification();
  EXPECT_TRUE(coalescer.ReadAsync("b", Later(), second.callback()));
  EXPECT_TRUE(coalescer.ReadAsync("c", Later(), third.callback()));
  bool called = false;
  EXPECT_FALSE(coalescer.ReadAsync("a", Later(), [&](Result) { called = true; }));
  release_first_.Notify();

  EXPECT_EQ(*second.Wait(), std::optional<std::string>("banana"));
  EXPECT_EQ(*third.Wait(), std::optional<std::string>("cherry"));
  EXPECT_FALSE(called);
}

TEST_F(ReadCoalescerTest, DestructionServesWhatIsQueued) {
  Answer first;
  Answer queued;
  auto coalescer =
      std::make_unique<Coalescer>(pool_, HoldingFirstBatch(), Coalescer::Options{.readers = 1});
  ASSERT_TRUE(coalescer->ReadAsync("a", Later(), first.callback()));
  first_started_.WaitForNotification();
  ASSERT_TRUE(coalescer->ReadAsync("c", Later(), queued.callback()));
  release_first_.Notify();
  coalescer.reset();

  EXPECT_EQ(*first.Wait(), std::optional<std::string>("apple"));
  EXPECT_EQ(*queued.Wait(), std::optional<std::string>("cherry"));
}

}  // namespace
}  // namespace throughline::db
