#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"

namespace throughline::db {

// Answers "does the database answer right now?" with `SELECT 1` on a connection of its own,
// outside the service's pool: a pool whose connections are all busy (a flood of slow calls) is
// load, not an outage, and must not make a server look unhealthy. The connection is opened on
// the first check and reopened by the next check after it broke, so the probe follows the
// database down and back up; a database that hangs without answering is cut off like a
// pool's (PoolOptions::hung_grace), so the probe answers then too. Thread-safe; checks run one
// at a time.
class DatabaseProbe {
 public:
  // `timeout` bounds the connection attempt (libpq counts whole seconds, at least 2) and the
  // query (statement_timeout; a database that cannot even cancel it is given half a second
  // more).
  DatabaseProbe(std::string url, std::string schema, absl::Duration timeout = absl::Seconds(2));

  // OK when `SELECT 1` succeeded; UNAVAILABLE (with the reason) otherwise.
  absl::Status Check();

 private:
  const absl::Duration timeout_;
  ConnectionPool pool_;  // of one connection
};

}  // namespace throughline::db
