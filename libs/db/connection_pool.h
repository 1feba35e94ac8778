#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
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
  // How long past a lease's deadline the database may leave its connection without an answer
  // before the pool cuts it (shuts its socket down). PostgreSQL's statement_timeout ends the
  // work of a call at its deadline (RunTransaction, RunRead); this frees the threads waiting on
  // a database that cannot answer at all (stopped, hung on I/O) but keeps its connections
  // open, where libpq would wait forever.
  absl::Duration hung_grace = absl::Seconds(2);
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

  // Borrows a connection for work that ends by `deadline`, waiting until then for one to be
  // free. Fails with UNAVAILABLE when the database cannot be reached and DEADLINE_EXCEEDED
  // when every connection stayed busy until the deadline. A connection still waiting for the
  // database `hung_grace` after the deadline is cut: the waiting call fails as on a broken
  // connection, and the connection is not reused.
  absl::StatusOr<Lease> Acquire(absl::Time deadline);

  // Opens a connection outside the pool (for LISTEN and migrations).
  absl::StatusOr<std::unique_ptr<pqxx::connection>> OpenDedicated() const;

  // While the returned object lives, `connection` (a dedicated one) is cut like a lent one if
  // it is still waiting for the database `hung_grace` after `deadline`: for work on a
  // connection the pool does not lend, such as the subscription holder's lock session. The
  // connection must stay open while the object lives.
  class Guard;
  Guard Watch(pqxx::connection& connection, absl::Time deadline);

  const PoolOptions& options() const { return options_; }

 private:
  // A lent or watched connection, as the watchdog sees it.
  struct Tracked {
    int socket;
    absl::Time cut_at;  // its deadline + hung_grace
    bool cut = false;
  };
  static constexpr absl::Duration kWatchInterval = absl::Milliseconds(250);

  Lease Lend(std::unique_ptr<pqxx::connection> connection, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Registers `connection` with the watchdog; returns its id.
  int64_t Track(pqxx::connection& connection, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Forgets a tracked connection; whether the watchdog cut it.
  bool Untrack(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(int64_t lease_id, std::unique_ptr<pqxx::connection> connection, bool broken);
  // The watchdog's thread: cuts the tracked connections past their cut_at.
  void CutHungConnections();

  const PoolOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + lent
  absl::flat_hash_map<int64_t, Tracked> tracked_ ABSL_GUARDED_BY(mu_);
  int64_t last_tracked_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watchdog_;  // last: started once everything above is initialized
};

// A dedicated connection watched for a while (ConnectionPool::Watch).
class ConnectionPool::Guard {
 public:
  Guard(Guard&& other) noexcept : pool_(other.pool_), id_(other.id_) { other.pool_ = nullptr; }
  Guard& operator=(Guard&&) = delete;
  ~Guard();

 private:
  friend class ConnectionPool;
  Guard(ConnectionPool* pool, int64_t id) : pool_(pool), id_(id) {}

  ConnectionPool* pool_;
  int64_t id_;
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
  Lease(ConnectionPool* pool, int64_t id, std::unique_ptr<pqxx::connection> connection)
      : pool_(pool), id_(id), connection_(std::move(connection)) {}

  ConnectionPool* pool_;
  int64_t id_;
  std::unique_ptr<pqxx::connection> connection_;
  bool broken_ = false;
};

// Opens one connection with search_path set to `schema`.
absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& url,
                                                          const std::string& schema,
                                                          absl::Duration timeout);

}  // namespace throughline::db
