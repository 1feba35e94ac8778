#pragma once

#include <string>
#include <utility>

#include "pqxx/pqxx"

namespace throughline::db {

// Runs `sql` as the prepared statement `name` on `tx`'s connection. libpqxx prepares it on the
// connection's first use (and again after a reconnect) and later calls skip PostgreSQL's parse
// and plan. For the hottest statements only: a statement whose plan depends on which optional
// filters its parameters switch on (`$1 = '' OR column = $1`) must not be prepared, since a
// generic plan cannot drop the conditions that do not apply, unless its plan is the same
// whichever apply (the event log's read, see event_log.cc).
template <typename... Args>
pqxx::result ExecPrepared(pqxx::transaction_base& tx, const std::string& name,
                          const std::string& sql, Args&&... args) {
  tx.conn().prepare(name, sql);  // a no-op once defined with the same text
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace throughline::db
