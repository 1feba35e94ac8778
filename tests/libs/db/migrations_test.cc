// db::ApplyMigrations as replicas run it at start: several processes of one service starting
// together on a fresh database (a Kubernetes Deployment's first rollout) each bring the schema
// up to date, and each migration is applied exactly once.
#include "libs/db/migrations.h"

#include <barrier>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace throughline::db {
namespace {

// Neither statement may run twice: the table exists, and the row would be counted twice.
const std::vector<Migration> kMigrations = {
    {1, "0001_create", "CREATE TABLE runs (n integer NOT NULL)"},
    {2, "0002_count", "INSERT INTO runs (n) VALUES (1)"},
};

TEST(MigrationsTest, ReplicasStartingTogetherApplyEachMigrationOnce) {
  auto database = testing::TestDatabase::Create();
  constexpr int kReplicas = 6;
  std::vector<absl::Status> results(kReplicas);
  std::barrier start(kReplicas);
  std::vector<std::thread> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = ApplyMigrations(database->url(), "replicated", kMigrations);
    });
  }
  for (std::thread& replica : replicas) replica.join();
  for (const absl::Status& result : results) EXPECT_TRUE(result.ok()) << result;

  pqxx::connection connection(database->url());
  pqxx::work tx(connection);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM replicated.runs")[0].as<int>(), 1);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM replicated.schema_migrations WHERE track = 'service'")[0]
                .as<int>(),
            2);
  EXPECT_EQ(
      tx.exec1("SELECT count(*) FROM replicated.schema_migrations WHERE track = 'platform'")[0]
          .as<int>(),
      static_cast<int>(PlatformMigrations().size()));
}

TEST(MigrationsTest, AFailingMigrationStopsTheStartAndIsNotRecorded) {
  auto database = testing::TestDatabase::Create();
  const std::vector<Migration> broken = {
      {1, "0001_create", "CREATE TABLE runs (n integer NOT NULL)"},
      {2, "0002_typo", "INSERT INTO runz (n) VALUES (1)"},
  };
  const absl::Status status = ApplyMigrations(database->url(), "broken", broken);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("runz"), std::string::npos) << status;

  // The fixed migration applies on the next start; the first is not applied again.
  EXPECT_TRUE(ApplyMigrations(database->url(), "broken", kMigrations).ok());
  pqxx::connection connection(database->url());
  pqxx::work tx(connection);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM broken.runs")[0].as<int>(), 1);
}

}  // namespace
}  // namespace throughline::db
