#pragma once

#include <utility>

#include "pqxx/pqxx"

namespace throughline::db {

// A statement that PostgreSQL parses and plans once per connection instead of on every call.
// For the hot, short statements (a lookup by primary key, an insert of a batch) planning costs
// more than executing: pgbench ran a GetSegment lookup at 13,400 statements/s unprepared and
// 52,800/s prepared on the same machine (BENCHMARKS.md, step 12).
//
// Only for statements whose plan does not depend on the parameter values: after five
// executions PostgreSQL may switch to a generic plan made without them, and a statement like
// `($1 = '' OR owner = $1) ORDER BY id DESC LIMIT 50` would then scan the whole table.
// Such statements stay with tx.exec_params.
struct PreparedStatement {
  const char* name;  // unique among all prepared statements of a service
  const char* sql;
};

// Runs `statement` with `args`, preparing it on the transaction's connection on first use.
// libpqxx keeps the definitions per connection and registers each with the server when first
// executed (again after a reconnect); preparing a name twice with the same text is a no-op.
template <typename... Args>
pqxx::result ExecPrepared(pqxx::transaction_base& tx, const PreparedStatement& statement,
                          Args&&... args) {
  tx.conn().prepare(statement.name, statement.sql);
  return tx.exec_prepared(statement.name, std::forward<Args>(args)...);
}

}  // namespace throughline::db
