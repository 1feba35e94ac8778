// db::RunRead, the statement_timeout both it and db::RunTransaction set per connection, and the
// settings every connection starts with.
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/db/connection_pool.h"
#include "libs/db/transaction.h"
#include "tests/support/test_database.h"

namespace throughline::db {
namespace {

class ReadTest : public ::testing::Test {
 protected:
  // The connection's statement_timeout as PostgreSQL reports it, read in a call with
  // `deadline`.
  std::string TimeoutSeenBy(absl::Time deadline, bool in_transaction) {
    std::string seen;
    auto show = [&](pqxx::transaction_base& tx) {
      seen = tx.exec1("SHOW statement_timeout")[0].as<std::string>();
      return absl::OkStatus();
    };
    const absl::Status status =
        in_transaction ? RunTransaction(pool_, deadline, [&](pqxx::work& tx) { return show(tx); })
                       : RunRead(pool_, deadline, show);
    EXPECT_TRUE(status.ok()) << status;
    return seen;
  }

  std::unique_ptr<testing::TestDatabase> database_ = testing::TestDatabase::Create();
  // One connection, so every call below uses the same one.
  ConnectionPool pool_{PoolOptions{.url = database_->url(), .schema = "public", .size = 1}};
};

TEST(StatementTimeoutTest, IsTheTimeLeftRoundedDownToAPowerOfTwoMilliseconds) {
  EXPECT_EQ(StatementTimeoutMs(absl::Seconds(10)), 8192);
  EXPECT_EQ(StatementTimeoutMs(absl::Milliseconds(8192)), 8192);
  EXPECT_EQ(StatementTimeoutMs(absl::Milliseconds(8191)), 4096);
  EXPECT_EQ(StatementTimeoutMs(absl::Milliseconds(5)), 4);
  EXPECT_EQ(StatementTimeoutMs(absl::Milliseconds(1)), 1);
  // Never 0, which PostgreSQL reads as "no timeout".
  EXPECT_EQ(StatementTimeoutMs(absl::Microseconds(300)), 1);
  EXPECT_EQ(StatementTimeoutMs(absl::ZeroDuration()), 1);
}

// JIT compilation costs tens of milliseconds per statement; the services' statements are short.
TEST_F(ReadTest, ConnectionsRunWithoutJitCompilation) {
  std::string jit;
  const absl::Status status =
      RunRead(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::transaction_base& tx) {
        jit = tx.exec1("SHOW jit")[0].as<std::string>();
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(jit, "off");
  auto dedicated = pool_.OpenDedicated();
  ASSERT_TRUE(dedicated.ok()) << dedicated.status();
  pqxx::nontransaction session(**dedicated);
  EXPECT_EQ(session.exec1("SHOW jit")[0].as<std::string>(), "off");
}

TEST_F(ReadTest, ReturnsWhatTheBodyRead) {
  int64_t sum = 0;
  const absl::Status status =
      RunRead(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::transaction_base& tx) {
        sum = tx.exec1("SELECT sum(n) FROM generate_series(1, 10) AS n")[0].as<int64_t>();
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(sum, 55);
}

TEST_F(ReadTest, TheBodysErrorIsReturned) {
  const absl::Status status =
      RunRead(pool_, absl::Now() + absl::Seconds(10),
              [](pqxx::transaction_base&) { return absl::NotFoundError("segment not found"); });
  EXPECT_EQ(status, absl::NotFoundError("segment not found"));
}

TEST_F(ReadTest, AReadPastTheDeadlineIsCancelledAsDeadlineExceeded) {
  const absl::Status status =
      RunRead(pool_, absl::Now() + absl::Milliseconds(300), [](pqxx::transaction_base& tx) {
        tx.exec("SELECT pg_sleep(30)");
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  // The connection is usable afterwards.
  EXPECT_EQ(TimeoutSeenBy(absl::Now() + absl::Seconds(10), false), "8192ms");
}

TEST_F(ReadTest, EachCallGetsATimeoutFromItsOwnDeadline) {
  EXPECT_EQ(TimeoutSeenBy(absl::Now() + absl::Seconds(10), false), "8192ms");
  EXPECT_EQ(TimeoutSeenBy(absl::Now() + absl::Milliseconds(127), true), "64ms");
  EXPECT_EQ(TimeoutSeenBy(absl::Now() + absl::Seconds(10), true), "8192ms");
  EXPECT_EQ(TimeoutSeenBy(absl::Now() + absl::Milliseconds(127), false), "64ms");
}

// The setting is made outside the transaction, so a rolled-back transaction does not undo it
// behind libpqxx's back (which would leave later calls with a wrong timeout).
TEST_F(ReadTest, ARolledBackTransactionKeepsTheNextCallsTimeoutRight) {
  const absl::Status failed =
      RunTransaction(pool_, absl::Now() + absl::Milliseconds(127),
                     [](pqxx::work&) { return absl::FailedPreconditionError("rolled back"); });
  EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(TimeoutSeenBy(absl::Now() + absl::Milliseconds(127), false), "64ms");
  EXPECT_EQ(TimeoutSeenBy(absl::Now() + absl::Seconds(10), false), "8192ms");
}

// A backend ended by the server (an immediate shutdown or restart, pg_terminate_backend) is
// the database being unavailable for a moment, which callers retry; not an internal error.
TEST_F(ReadTest, AConnectionTheServerTerminatedIsUnavailable) {
  pqxx::connection victim(database_->url());
  const int pid = pqxx::nontransaction(victim).exec1("SELECT pg_backend_pid()")[0].as<int>();
  {
    pqxx::connection killer(database_->url());
    pqxx::nontransaction(killer).exec_params("SELECT pg_terminate_backend($1)", pid);
  }
  try {
    pqxx::nontransaction(victim).exec("SELECT 1");
    ADD_FAILURE() << "the terminated connection still answered";
  } catch (const std::exception& e) {
    const absl::Status status = StatusFromException(e);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status << " (" << e.what() << ")";
  }
}

// The same in the middle of a transaction: the attempt fails, the broken connection is not
// given back to the pool, and the transaction runs again on a fresh one.
TEST_F(ReadTest, ATransactionWhoseConnectionTheServerEndsRunsAgainOnAFreshConnection) {
  int attempts = 0;
  const absl::Status status =
      RunTransaction(pool_, absl::Now() + absl::Seconds(10), [&](pqxx::work& tx) {
        if (++attempts == 1) {
          const int pid = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
          pqxx::connection killer(database_->url());
          pqxx::nontransaction(killer).exec_params("SELECT pg_terminate_backend($1)", pid);
        }
        tx.exec("SELECT 1");
        return absl::OkStatus();
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(TimeoutSeenBy(absl::Now() + absl::Seconds(10), false), "8192ms");
}

}  // namespace
}  // namespace throughline::db
