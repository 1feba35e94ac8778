#include "libs/db/connection_pool.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/errors/errors.h"

namespace throughline::db {

absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& url,
                                                          const std::string& schema,
                                                          absl::Duration timeout) {
  // libpq reads connect_timeout in whole seconds (minimum 2 when set).
  const int64_t seconds = std::max<int64_t>(2, absl::ToInt64Seconds(timeout));
  const bool is_uri = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
  std::string conninfo = url;
  if (is_uri) {
    absl::StrAppend(&conninfo, url.find('?') == std::string::npos ? "?" : "&",
                    "connect_timeout=", seconds, "&application_name=throughline-", schema);
  } else {
    absl::StrAppend(&conninfo, " connect_timeout=", seconds, " application_name=throughline-",
                    schema);
  }
  try {
    auto connection = std::make_unique<pqxx::connection>(conninfo);
    {
      pqxx::nontransaction session(*connection);
      // The services' statements are short: JIT compilation, which PostgreSQL starts for any
      // statement whose estimated cost passes jit_above_cost, costs tens of milliseconds and
      // never pays back here (an estimate gone wrong made every large fan-out compile its
      // event append: BENCHMARKS.md, step 17).
      session.exec0("SET jit = off");
      if (!schema.empty()) {
        session.exec0("SET search_path TO " + session.quote_name(schema) + ", public");
      }
    }
    return connection;
  } catch (const std::exception& e) {
    return errors::Unavailable(absl::StrCat("database unavailable: ", e.what()));
  }
}

ConnectionPool::ConnectionPool(PoolOptions options) : options_(std::move(options)) {}

ConnectionPool::~ConnectionPool() = default;

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&available), deadline)) {
      return errors::DeadlineExceeded(
          "every database connection stayed busy until the deadline; retry with backoff");
    }
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // Reserve a slot, then connect without holding the lock.
  }
  auto connection =
      Connect(options_.url, options_.schema,
              std::min(options_.connect_timeout, deadline - absl::Now()));
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return connection.status();
  }
  return Lease(this, std::move(*connection));
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::OpenDedicated() const {
  return Connect(options_.url, options_.schema, options_.connect_timeout);
}

void ConnectionPool::Release(std::unique_ptr<pqxx::connection> connection, bool broken) {
  absl::MutexLock lock(&mu_);
  if (broken || connection == nullptr || !connection->is_open()) {
    --open_;
    return;
  }
  idle_.push_back(std::move(connection));
}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(std::move(connection_), broken_);
}

}  // namespace throughline::db
