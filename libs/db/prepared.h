#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
// Nor, where planning is cheap next to executing, for a join whose best plan depends on a
// table's size: a generic plan is kept until the table's statistics change (autovacuum's next
// ANALYZE, up to a minute and 10 % of the rows away), and one made while the table was nearly
// empty (a hash join over all its rows) is slow by then (the task supersession, BENCHMARKS.md
// steps 15 and 25). GetSegment's lookup keeps that exposure: planning would be most of its
// cost, and a form whose every plan probes the index was planned on every call (step 25).
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

// A statement with optional filters, assembled from the filters a call has, so that each
// combination is its own prepared statement with its own plan instead of one statement of
// `($3 = '' OR owner = $3)` terms that is planned on every call:
//
//   FilteredStatement statement("list_tasks");
//   statement.Add("SELECT ... FROM tasks WHERE organization = $?", organization)
//       .AddIf(!owner.empty(), " AND owner = $?", owner)
//       .Add(" ORDER BY id DESC LIMIT $?", std::to_string(limit));
//   pqxx::result rows = statement.Exec(tx);
//
// The "$?" of each Add become its parameter ($1, $2, ...). Values are passed as text, which
// PostgreSQL converts to the type the statement needs there (an id, a LIMIT).
class FilteredStatement {
 public:
  explicit FilteredStatement(std::string_view name) : name_(std::string(name) + ":") {}

  // Appends `sql`, which has no parameter.
  FilteredStatement& Add(std::string_view sql);
  // Appends `sql` and binds `value` to the "$?" in it (every "$?" of `sql` is that value).
  FilteredStatement& Add(std::string_view sql, std::string value);
  // Appends `sql` and binds `value` only when `present`. The statement's name records which
  // optional parts are there, so each combination is prepared once per connection.
  FilteredStatement& AddIf(bool present, std::string_view sql, std::string value);

  pqxx::result Exec(pqxx::transaction_base& tx) const;

 private:
  std::string name_;
  std::string sql_;
  std::vector<std::string> values_;
};

}  // namespace throughline::db
