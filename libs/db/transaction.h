#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "pqxx/pqxx"

namespace throughline::db {

// The work of one transaction. Returning a non-OK status rolls it back and returns that status.
using TransactionBody = std::function<absl::Status(pqxx::work&)>;

// Runs `body` in a READ COMMITTED transaction on a pooled connection, with
// statement_timeout set from the time left until `deadline`. Serialization failures and
// deadlocks are retried with jittered backoff while time remains; a connection that broke
// before COMMIT is replaced and the transaction retried. Errors map to: UNAVAILABLE (database
// unreachable or outcome of COMMIT unknown), DEADLINE_EXCEEDED (deadline or statement timeout),
// ABORTED (contention persisted), INTERNAL (anything else, logged). `body` may run more than
// once, so it must not have side effects outside the transaction.
absl::Status RunTransaction(ConnectionPool& pool, absl::Time deadline,
                            const TransactionBody& body);

// Maps an exception thrown by libpqxx to a status (used by RunTransaction; exposed for code
// that manages its own connection).
absl::Status StatusFromException(const std::exception& e);

// SQLSTATE of a libpqxx exception, or "" when it has none.
std::string SqlState(const std::exception& e);

}  // namespace throughline::db
