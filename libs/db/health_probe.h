#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace throughline::db {

// Answers "does the database answer right now?" with `SELECT 1` on a connection of its own,
// outside the pool: a pool whose connections are all busy (a flood of slow calls) is load,
// not an outage, and must not make a server look unhealthy. The connection is opened on the
// first check and reopened by the next check after it broke, so the probe follows the
// database down and back up. Thread-safe; checks run one at a time.
class DatabaseProbe {
 public:
  // `timeout` bounds the connection attempt (libpq counts whole seconds, at least 2) and the
  // query (statement_timeout).
  DatabaseProbe(std::string url, std::string schema, absl::Duration timeout = absl::Seconds(2));

  // OK when `SELECT 1` succeeded; UNAVAILABLE (with the reason) otherwise.
  absl::Status Check();

 private:
  const std::string url_;
  const std::string schema_;
  const absl::Duration timeout_;
  absl::Mutex mu_;
  std::unique_ptr<pqxx::connection> connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace throughline::db
