#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "pqxx/pqxx"

namespace throughline::db {

// The work of one transaction. Returning a non-OK status rolls it back and returns that status.
using TransactionBody = std::function<absl::Status(pqxx::work&)>;
// Work that only reads.
using ReadBody = std::function<absl::Status(pqxx::transaction_base&)>;

// Runs `body` in a READ COMMITTED transaction on a pooled connection, with
// statement_timeout set from the time left until `deadline` (see below). Serialization failures and
// deadlocks are retried with jittered backoff while time remains; a connection that broke
// before COMMIT is replaced and the transaction retried. Errors map to: UNAVAILABLE (database
// unreachable or outcome of COMMIT unknown), DEADLINE_EXCEEDED (deadline or statement timeout),
// ABORTED (contention persisted), INTERNAL (anything else, logged). `body` may run more than
// once, so it must not have side effects outside the transaction.
absl::Status RunTransaction(ConnectionPool& pool, absl::Time deadline, const TransactionBody& body);

// Runs `body`, which only reads, without an explicit transaction (pqxx::nontransaction): each
// statement sees what was committed before it started, exactly what it would see in a READ
// COMMITTED transaction, so a body of one statement (a Get, one page of a List) reads the
// same in one round trip instead of three (BEGIN, the statement, COMMIT). A body of several
// statements gets no snapshot across them, as under READ COMMITTED. Errors and retries as
// RunTransaction.
absl::Status RunRead(ConnectionPool& pool, absl::Time deadline, const ReadBody& body);

// How both set statement_timeout: per connection, not per transaction (SET LOCAL cost one
// round trip on every call), to the time left rounded down to a power of two milliseconds.
// A statement is then cancelled no later than the deadline and no earlier than half the time
// left, and calls with similar deadlines reuse the connection's setting without a round trip.
int64_t StatementTimeoutMs(absl::Duration left);

// Maps an exception thrown by libpqxx to a status (used by RunTransaction; exposed for code
// that manages its own connection).
absl::Status StatusFromException(const std::exception& e);

// SQLSTATE of a libpqxx exception, or "" when it has none.
std::string SqlState(const std::exception& e);

}  // namespace throughline::db
