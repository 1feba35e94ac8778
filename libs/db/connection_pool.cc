#include "libs/db/connection_pool.h"

#include <libpq-fe.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"

namespace throughline::db {

namespace {

// TCP keepalives, on both ends of every connection over TCP (libpq and PostgreSQL ignore them on
// Unix-domain sockets). Without them a peer that vanishes without closing its connection (a
// host without power, a network partition) goes unnoticed for the operating system's two
// hours: PostgreSQL would keep the session of a vanished alignmentd, and with it the
// subscription's advisory lock, so no other replica could take over; and a service would wait
// forever on a database that went away while it waited for a notification. With these, an idle
// peer is given up after about 25 s (idle 10 s, then 3 probes 5 s apart), and data left
// unacknowledged for 30 s breaks the connection.
constexpr std::pair<const char*, const char*> kClientKeepalives[] = {
    {"keepalives", "1"},       {"keepalives_idle", "10"},     {"keepalives_interval", "5"},
    {"keepalives_count", "3"}, {"tcp_user_timeout", "30000"},
};
// PostgreSQL's side, set for the session where nobody configured them: settings from the
// server's configuration, ALTER ROLE or DATABASE, or the URL's `options` are kept.
constexpr char kServerKeepalives[] = R"sql(
  SELECT set_config(name, wanted.value, false)
  FROM (VALUES ('tcp_keepalives_idle', '10'), ('tcp_keepalives_interval', '5'),
               ('tcp_keepalives_count', '3'), ('tcp_user_timeout', '30000'))
       AS wanted(name, value)
  JOIN pg_settings USING (name)
  WHERE pg_settings.source = 'default')sql";

// The connection keywords `url` sets (key-value or URI form), as libpq parses them; empty when
// libpq cannot parse it (the connection attempt then reports why).
absl::flat_hash_set<std::string> KeywordsSet(const std::string& url) {
  absl::flat_hash_set<std::string> keywords;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return keywords;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr) keywords.insert(option->keyword);
  }
  PQconninfoFree(options);
  return keywords;
}

}  // namespace

absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& url,
                                                          const std::string& schema,
                                                          absl::Duration timeout) {
  // libpq reads connect_timeout in whole seconds (minimum 2 when set).
  const int64_t seconds = std::max<int64_t>(2, absl::ToInt64Seconds(timeout));
  const bool is_uri = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
  std::vector<std::pair<std::string, std::string>> added = {
      {"connect_timeout", absl::StrCat(seconds)},
      {"application_name", absl::StrCat("throughline-", schema)}};
  const absl::flat_hash_set<std::string> set_by_url = KeywordsSet(url);
  for (const auto& [keyword, value] : kClientKeepalives) {
    if (!set_by_url.contains(keyword)) added.emplace_back(keyword, value);
  }
  std::string conninfo = url;
  for (const auto& [keyword, value] : added) {
    if (is_uri) {
      absl::StrAppend(&conninfo, conninfo.find('?') == std::string::npos ? "?" : "&", keyword, "=",
                      value);
    } else {
      absl::StrAppend(&conninfo, " ", keyword, "=", value);
    }
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
      session.exec(kServerKeepalives);
      if (!schema.empty()) {
        session.exec0("SET search_path TO " + session.quote_name(schema) + ", public");
      }
    }
    return connection;
  } catch (const std::exception& e) {
    return errors::Unavailable(absl::StrCat("database unavailable: ", e.what()));
  }
}

ConnectionPool::ConnectionPool(PoolOptions options)
    : options_(std::move(options)), watchdog_([this] { CutHungConnections(); }) {}

ConnectionPool::~ConnectionPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  watchdog_.join();
}

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
      return Lend(std::move(connection), deadline);
    }
    ++open_;  // Reserve a slot, then connect without holding the lock.
  }
  auto connection =
      Connect(options_.url, options_.schema,
              std::min(options_.connect_timeout, deadline - absl::Now()));
  absl::MutexLock lock(&mu_);
  if (!connection.ok()) {
    --open_;
    return connection.status();
  }
  return Lend(*std::move(connection), deadline);
}

ConnectionPool::Lease ConnectionPool::Lend(std::unique_ptr<pqxx::connection> connection,
                                           absl::Time deadline) {
  const int64_t id = Track(*connection, deadline);
  return Lease(this, id, std::move(connection));
}

int64_t ConnectionPool::Track(pqxx::connection& connection, absl::Time deadline) {
  const int64_t id = ++last_tracked_id_;
  tracked_.emplace(
      id, Tracked{.socket = connection.sock(),
                  .cut_at = deadline == absl::InfiniteFuture() ? absl::InfiniteFuture()
                                                               : deadline + options_.hung_grace});
  return id;
}

bool ConnectionPool::Untrack(int64_t id) {
  auto found = tracked_.find(id);
  if (found == tracked_.end()) return false;
  const bool cut = found->second.cut;
  tracked_.erase(found);
  return cut;
}

ConnectionPool::Guard ConnectionPool::Watch(pqxx::connection& connection, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  return Guard(this, Track(connection, deadline));
}

ConnectionPool::Guard::~Guard() {
  if (pool_ == nullptr) return;
  absl::MutexLock lock(&pool_->mu_);
  pool_->Untrack(id_);
}

void ConnectionPool::CutHungConnections() {
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), kWatchInterval)) {
    const absl::Time now = absl::Now();
    for (auto& [id, tracked] : tracked_) {
      if (tracked.cut || now < tracked.cut_at) continue;
      // The socket stays open while it is tracked (until Release, or the Guard's end), so its
      // number cannot have been reused; shutting it down wakes libpq's wait with an error.
      shutdown(tracked.socket, SHUT_RDWR);
      tracked.cut = true;
      log::Warning(
          "the database did not answer by a call's deadline; its connection is cut",
          {{"schema", options_.schema},
           {"late_ms", absl::ToInt64Milliseconds(now - tracked.cut_at + options_.hung_grace)}});
    }
  }
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::OpenDedicated() const {
  return Connect(options_.url, options_.schema, options_.connect_timeout);
}

void ConnectionPool::Release(int64_t lease_id, std::unique_ptr<pqxx::connection> connection,
                             bool broken) {
  absl::MutexLock lock(&mu_);
  broken |= Untrack(lease_id);
  if (broken || connection == nullptr || !connection->is_open()) {
    --open_;
    return;  // closed once the watchdog can no longer see its socket (erased above)
  }
  idle_.push_back(std::move(connection));
}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      id_(other.id_),
      connection_(std::move(other.connection_)),
      broken_(other.broken_) {
  other.pool_ = nullptr;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(id_, std::move(connection_), broken_);
}

}  // namespace throughline::db
