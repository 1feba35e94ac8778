#include "libs/db/transaction.h"

#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"

namespace throughline::db {
namespace {

constexpr int kMaxAttempts = 8;
constexpr char kQueryCanceled[] = "57014";
// A transaction gets at least this much statement time, so that a nearly expired deadline
// still fails as DEADLINE_EXCEEDED from the server rather than with an invalid setting.
constexpr absl::Duration kMinStatementTimeout = absl::Milliseconds(1);

// Whether the connection is gone. Besides pqxx::broken_connection: every error the server
// reports carries an SQLSTATE, so a pqxx::sql_error without one comes from libpq itself, for
// a connection the server closed without a word (an immediate shutdown, a crash): "server
// closed the connection unexpectedly". It is the same outage.
bool IsBrokenConnection(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && sql->sqlstate().empty();
}

bool IsRetryable(const std::exception& e) {
  return dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr ||
         dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr;
}

absl::Duration Backoff(int attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const int64_t cap_us = std::min<int64_t>(50'000, 1'000LL << attempt);
  return absl::Microseconds(std::uniform_int_distribution<int64_t>(cap_us / 2, cap_us)(rng));
}

}  // namespace

std::string SqlState(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) return sql->sqlstate();
  return "";
}

absl::Status StatusFromException(const std::exception& e) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return errors::Unavailable(
        "the database connection broke during COMMIT; the outcome is unknown, read before "
        "retrying");
  }
  if (IsBrokenConnection(e)) {
    return errors::Unavailable(absl::StrCat("database unavailable: ", e.what()));
  }
  if (SqlState(e) == kQueryCanceled) {
    return errors::DeadlineExceeded("the deadline expired while the database was working");
  }
  if (IsRetryable(e)) {
    return errors::WithErrorInfo(
        absl::AbortedError("concurrent changes kept conflicting; retry the request"), "CONTENTION");
  }
  log::Error("database error", {{"error", e.what()}, {"sqlstate", SqlState(e)}});
  return errors::Internal("internal database error");
}

int64_t StatementTimeoutMs(absl::Duration left) {
  const int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(left));
  int64_t timeout = 1;
  while (timeout <= ms / 2) timeout *= 2;
  return timeout;
}

namespace {

// Sets the connection's statement_timeout for a call with `left` to go, unless it has that
// value already. libpqxx remembers the values it set (and sets them again after reconnecting),
// so comparing costs no round trip.
void SetStatementTimeout(pqxx::connection& connection, absl::Duration left) {
  const std::string value = absl::StrCat(StatementTimeoutMs(left));
  if (connection.get_variable("statement_timeout") != value) {
    connection.set_variable("statement_timeout", value);
  }
}

// The retry loop of RunTransaction and RunRead; `Tx` is pqxx::work or pqxx::nontransaction.
template <typename Tx, typename Body>
absl::Status Run(ConnectionPool& pool, absl::Time deadline, const Body& body) {
  absl::Status last = errors::DeadlineExceeded("the deadline expired before the database work");
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return last;
    auto lease = pool.Acquire(deadline);
    if (!lease.ok()) return lease.status();
    bool committing = false;
    try {
      SetStatementTimeout(lease->connection(), std::max(left, kMinStatementTimeout));
      Tx tx(lease->connection());
      absl::Status status = body(tx);
      if (!status.ok()) {
        tx.abort();
        return status;
      }
      committing = true;
      tx.commit();
      return absl::OkStatus();
    } catch (const pqxx::in_doubt_error& e) {
      lease->MarkBroken();
      return StatusFromException(e);
    } catch (const std::exception& e) {
      last = StatusFromException(e);
      if (IsBrokenConnection(e)) {
        lease->MarkBroken();
        if (committing) return last;
        continue;  // the server is gone or restarting: a fresh connection may work right away
      }
      if (!IsRetryable(e)) return last;
      std::this_thread::sleep_for(absl::ToChronoMicroseconds(Backoff(attempt)));
    }
  }
  return last;
}

}  // namespace

absl::Status RunTransaction(ConnectionPool& pool, absl::Time deadline,
                            const TransactionBody& body) {
  return Run<pqxx::work>(pool, deadline, body);
}

absl::Status RunRead(ConnectionPool& pool, absl::Time deadline, const ReadBody& body) {
  return Run<pqxx::nontransaction>(pool, deadline, body);
}

}  // namespace throughline::db
