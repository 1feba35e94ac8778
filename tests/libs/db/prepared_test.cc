// db::ExecPrepared and db::FilteredStatement against a real table: what they answer, and which
// statements end up prepared on the connection.
#include "libs/db/prepared.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/db/connection_pool.h"
#include "libs/db/transaction.h"
#include "tests/support/test_database.h"

namespace throughline::db {
namespace {

constexpr PreparedStatement kFruitsFrom{"fruits_from", R"sql(
  SELECT name FROM fruits WHERE name >= $1 ORDER BY name)sql"};

class PreparedTest : public ::testing::Test {
 protected:
  PreparedTest() {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    tx.exec0("CREATE TABLE fruits (name text PRIMARY KEY, color text NOT NULL, rank int NOT NULL)");
    tx.exec0(
        "INSERT INTO fruits VALUES ('apple', 'red', 1), ('banana', 'yellow', 2), "
        "('cherry', 'red', 3), ('lemon', 'yellow', 4)");
    tx.commit();
  }

  // Runs `body` in a read on the pool's one connection.
  void Read(const std::function<void(pqxx::transaction_base&)>& body) {
    const absl::Status status =
        RunRead(pool_, absl::Now() + absl::Seconds(30), [&](pqxx::transaction_base& tx) {
          body(tx);
          return absl::OkStatus();
        });
    ASSERT_TRUE(status.ok()) << status;
  }

  static std::vector<std::string> Names(const pqxx::result& rows) {
    std::vector<std::string> names;
    for (const pqxx::row& row : rows) names.push_back(row[0].as<std::string>());
    return names;
  }

  // The statements prepared on the connection, by name.
  std::vector<std::string> PreparedNames() {
    std::vector<std::string> names;
    Read([&](pqxx::transaction_base& tx) {
      names = Names(tx.exec("SELECT name FROM pg_prepared_statements ORDER BY name"));
    });
    return names;
  }

  // The fruits of `color` (any when empty) ranked at least `min_rank`.
  std::vector<std::string> Fruits(const std::string& color, int min_rank) {
    std::vector<std::string> names;
    Read([&](pqxx::transaction_base& tx) {
      FilteredStatement statement("fruits");
      statement.Add("SELECT name FROM fruits WHERE rank >= $?", std::to_string(min_rank))
          .AddIf(!color.empty(), " AND (color = $? OR $? = 'any')", color)
          .Add(" ORDER BY name");
      names = Names(statement.Exec(tx));
    });
    return names;
  }

  std::unique_ptr<testing::TestDatabase> database_ = testing::TestDatabase::Create();
  // One connection, so that every call below sees the statements the earlier ones prepared.
  ConnectionPool pool_{PoolOptions{.url = database_->url(), .schema = "public", .size = 1}};
};

TEST_F(PreparedTest, AStatementIsPreparedOnceAndAnswersEveryCall) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> calls = {
      {"b", {"banana", "cherry", "lemon"}}, {"c", {"cherry", "lemon"}}, {"m", {}}};
  for (const auto& [from, expected] : calls) {
    std::vector<std::string> names;
    Read([&](pqxx::transaction_base& tx) { names = Names(ExecPrepared(tx, kFruitsFrom, from)); });
    EXPECT_EQ(names, expected) << "from " << from;
  }
  EXPECT_EQ(PreparedNames(), (std::vector<std::string>{"fruits_from"}));
}

TEST_F(PreparedTest, AFilteredStatementHasOnlyTheFiltersGiven) {
  EXPECT_EQ(Fruits("", 2), (std::vector<std::string>{"banana", "cherry", "lemon"}));
  EXPECT_EQ(Fruits("red", 1), (std::vector<std::string>{"apple", "cherry"}));
  EXPECT_EQ(Fruits("yellow", 3), (std::vector<std::string>{"lemon"}));
}

TEST_F(PreparedTest, EachCombinationOfFiltersIsOnePreparedStatement) {
  Fruits("", 1);
  Fruits("", 3);
  Fruits("red", 1);
  Fruits("yellow", 2);
  // "0": without the color filter, "1": with it.
  EXPECT_EQ(PreparedNames(), (std::vector<std::string>{"fruits:0", "fruits:1"}));
}

TEST_F(PreparedTest, EveryPlaceholderOfOnePartIsItsOneValue) {
  // `$? = 'any'` is the same parameter as `color = $?`: the value "any" matches every color.
  EXPECT_EQ(Fruits("any", 4), (std::vector<std::string>{"lemon"}));
}

}  // namespace
}  // namespace throughline::db
