// The connection pool across PostgreSQL restarts, on a cluster of the test's own: after an
// immediate shutdown (SIGQUIT, as in a crash or a failover) every pooled connection is dead,
// and libpq reports some of them as "server closed the connection unexpectedly" without an
// SQLSTATE. A call that meets such a connection must not answer INTERNAL: it drops the
// connection and runs again on a fresh one. (The crash loop found this: 7-11 INTERNAL answers
// per run, each logged as a database error.)
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/db/connection_pool.h"
#include "libs/db/transaction.h"
#include "tests/support/private_cluster.h"

namespace throughline::crashloop {
namespace {

class PostgresRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const absl::Status started = testing::StartClusterInNewDirectory(
        THROUGHLINE_TOOLS_PG, ::testing::TempDir() + "throughline-pg-restart-XXXXXX",
        testing::PrivateCluster::Commits::kDurable, &dir_, &cluster_);
    ASSERT_TRUE(started.ok()) << started;
  }

  void TearDown() override {
    if (cluster_) {
      EXPECT_TRUE(cluster_->Stop().ok());
    }
    std::error_code ignored;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  std::unique_ptr<testing::PrivateCluster> cluster_;
};

TEST_F(PostgresRestartTest, CallsOnConnectionsAnImmediateShutdownKilledRunAgainOnFreshOnes) {
  constexpr int kConnections = 4;
  db::ConnectionPool pool(
      db::PoolOptions{.url = cluster_->admin_url(), .schema = "public", .size = kConnections});
  auto read = [&] {
    return db::RunRead(pool, absl::Now() + absl::Seconds(10), [](pqxx::transaction_base& tx) {
      tx.exec1("SELECT 1");
      return absl::OkStatus();
    });
  };
  auto write = [&] {
    return db::RunTransaction(pool, absl::Now() + absl::Seconds(10), [](pqxx::work& tx) {
      tx.exec0("CREATE TEMP TABLE IF NOT EXISTS t (x int)");
      tx.exec0("INSERT INTO t VALUES (1)");
      return absl::OkStatus();
    });
  };
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    // Fill the pool with open connections, all of which the restart will kill.
    std::vector<db::ConnectionPool::Lease> leases;
    for (int i = 0; i < kConnections; ++i) {
      auto lease = pool.Acquire(absl::Now() + absl::Seconds(10));
      ASSERT_TRUE(lease.ok()) << lease.status();
      leases.push_back(*std::move(lease));
    }
    leases.clear();
    ASSERT_TRUE(round % 2 == 0 ? cluster_->RestartImmediate().ok() : cluster_->RestartFast().ok());
    for (int i = 0; i < kConnections; ++i) {
      const absl::Status status = i % 2 == 0 ? read() : write();
      EXPECT_TRUE(status.ok()) << "call " << i << ": " << status;
    }
  }
}

}  // namespace
}  // namespace throughline::crashloop
