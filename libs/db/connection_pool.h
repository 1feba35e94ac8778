#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace throughline::db {

struct PoolOptions {
  // libpq connection string (key=value or postgresql:// URL).
  std::string url;
  // The service's schema; every connection sets search_path to it.
  std::string schema;
  // At most this many connections are open at once.
  int size = 8;
  // How long one connection attempt may take.
  absl::Duration connect_timeout = absl::Seconds(3);
};

// A bounded pool of libpqxx connections. libpqxx connections are not thread-safe, so each is
// lent to one thread at a time. Connections are opened lazily and reopened after they break,
// so a service starts and recovers without the database being up at every moment.
class ConnectionPool {
 public:
  class Lease;

  explicit ConnectionPool(PoolOptions options);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Borrows a connection, waiting until `deadline` for one to be free. Fails with
  // UNAVAILABLE when the database cannot be reached and DEADLINE_EXCEEDED when every
  // connection stayed busy until the deadline.
  absl::StatusOr<Lease> Acquire(absl::Time deadline);

  // Opens a connection outside the pool (for LISTEN and migrations).
  absl::StatusOr<std::unique_ptr<pqxx::connection>> OpenDedicated() const;

  const PoolOptions& options() const { return options_; }

 private:
  void Release(std::unique_ptr<pqxx::connection> connection, bool broken);

  const PoolOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + lent
};

// A borrowed connection; returned to the pool when destroyed.
class ConnectionPool::Lease {
 public:
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&&) = delete;
  ~Lease();

  pqxx::connection& connection() { return *connection_; }
  // The connection must not be reused (it broke or its state is unknown).
  void MarkBroken() { broken_ = true; }

 private:
  friend class ConnectionPool;
  Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection)
      : pool_(pool), connection_(std::move(connection)) {}

  ConnectionPool* pool_;
  std::unique_ptr<pqxx::connection> connection_;
  bool broken_ = false;
};

// Opens one connection with search_path set to `schema`.
absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& url,
                                                          const std::string& schema,
                                                          absl::Duration timeout);

}  // namespace throughline::db
