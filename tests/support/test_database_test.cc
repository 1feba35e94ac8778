#include "tests/support/test_database.h"

#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace throughline::testing {
namespace {

bool DatabaseExists(const std::string& admin_url, const std::string& name) {
  pqxx::connection connection(admin_url);
  pqxx::nontransaction work(connection);
  return !work.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name).empty();
}

TEST(TestDatabaseTest, StoresAndReadsBackRows) {
  std::unique_ptr<TestDatabase> db = TestDatabase::Create();

  pqxx::connection connection(db->url());
  pqxx::work write(connection);
  write.exec0("CREATE TABLE segment (name text PRIMARY KEY, display_name text NOT NULL)");
  write.exec_params0("INSERT INTO segment VALUES ($1, $2)", "markets/eu/segments/smb",
                     "Small businesses");
  write.commit();

  pqxx::read_transaction read(connection);
  pqxx::row row = read.exec1("SELECT name, display_name FROM segment");
  EXPECT_EQ(row[0].as<std::string>(), "markets/eu/segments/smb");
  EXPECT_EQ(row[1].as<std::string>(), "Small businesses");
  EXPECT_EQ(connection.dbname(), db->name());
}

TEST(TestDatabaseTest, TwoDatabasesDoNotSeeEachOthersTables) {
  std::unique_ptr<TestDatabase> first = TestDatabase::Create();
  std::unique_ptr<TestDatabase> second = TestDatabase::Create();
  ASSERT_NE(first->name(), second->name());

  pqxx::connection first_connection(first->url());
  pqxx::work create(first_connection);
  create.exec0("CREATE TABLE only_in_first (id int)");
  create.exec0("INSERT INTO only_in_first VALUES (1)");
  create.commit();

  pqxx::connection second_connection(second->url());
  pqxx::read_transaction look(second_connection);
  EXPECT_TRUE(look.exec1("SELECT to_regclass('only_in_first') IS NULL")[0].as<bool>());
}

TEST(TestDatabaseTest, DropsTheDatabaseEvenWithOpenConnections) {
  std::unique_ptr<TestDatabase> db = TestDatabase::Create();
  const std::string admin_url = db->admin_url();
  const std::string name = db->name();
  ASSERT_TRUE(DatabaseExists(admin_url, name));
  pqxx::connection still_open(db->url());

  db.reset();

  EXPECT_FALSE(DatabaseExists(admin_url, name));
}

TEST(TestDatabaseTest, ReplacesTheDatabaseOfAConnectionString) {
  EXPECT_EQ(WithDatabase("host=/tmp/pg port=5432 user=postgres dbname=postgres", "t_1"),
            "host=/tmp/pg port=5432 user=postgres dbname=t_1");
  EXPECT_EQ(WithDatabase("host='/tmp/a b' dbname = 'x y' user=postgres", "t_2"),
            "host='/tmp/a b' user=postgres dbname=t_2");
  EXPECT_EQ(WithDatabase("postgresql://u@localhost:5432/postgres?sslmode=disable", "t_3"),
            "postgresql://u@localhost:5432/t_3?sslmode=disable");
  EXPECT_EQ(WithDatabase("postgresql://localhost", "t_4"), "postgresql://localhost/t_4");
}

}  // namespace
}  // namespace throughline::testing
