// db::ArrayLiteral: every value survives the trip through a PostgreSQL array literal and
// unnest(), whatever characters it holds.
#include "libs/db/sql_array.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_database.h"

namespace throughline::db {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class SqlArrayTest : public ::testing::Test {
 protected:
  // The rows PostgreSQL makes of `literal` cast to `type`[], as text.
  std::vector<std::string> Unnest(const std::string& literal, const std::string& type) {
    pqxx::work tx(connection_);
    std::vector<std::string> values;
    for (const auto& row :
         tx.exec_params("SELECT value::text FROM unnest($1::" + type + "[]) AS value", literal)) {
      values.push_back(row[0].as<std::string>());
    }
    return values;
  }

  // The byte strings PostgreSQL cuts out of `column`'s blob, in order.
  std::vector<std::string> Substrings(const BinaryColumn& column) {
    pqxx::work tx(connection_);
    std::vector<std::string> values;
    for (const auto& row : tx.exec_params(
             "SELECT substring($1::bytea FROM start FOR length) "
             "FROM unnest($2::int[], $3::int[]) WITH ORDINALITY AS c(start, length, n) ORDER BY n",
             column.blob(), column.starts(), column.lengths())) {
      values.push_back(pqxx::binarystring(row[0]).str());
    }
    return values;
  }

  std::unique_ptr<testing::TestDatabase> database_ = testing::TestDatabase::Create();
  pqxx::connection connection_{database_->url()};
};

TEST_F(SqlArrayTest, TextOfAnyShapeComesBackUnchanged) {
  const std::vector<std::string> values = {
      "plain", "",           "with \"quotes\"", "back\\slash", "{braces,and,commas}",
      "NULL",  "  spaces  ", "line\nbreak",     "ünïcödé",     "{\"a\",\"b\"}"};
  EXPECT_THAT(Unnest(TextArray(values), "text"), ElementsAreArray(values));
}

TEST_F(SqlArrayTest, EmptyListIsAnEmptyArray) {
  EXPECT_EQ(TextArray({}), "{}");
  EXPECT_THAT(Unnest(TextArray({}), "text"), ElementsAre());
}

TEST_F(SqlArrayTest, IntegersBooleansAndTimestampsCastFromTheirText) {
  ArrayLiteral numbers;
  numbers.AddInt(0).AddInt(-7).AddInt(9'000'000'000'000);
  EXPECT_EQ(numbers.size(), 3u);
  EXPECT_THAT(Unnest(numbers.str(), "bigint"), ElementsAre("0", "-7", "9000000000000"));

  ArrayLiteral flags;
  flags.AddBool(true).AddBool(false);
  EXPECT_THAT(Unnest(flags.str(), "boolean"), ElementsAre("true", "false"));

  ArrayLiteral times;
  times.AddText("2026-11-23T03:00:00Z");
  pqxx::work tx(connection_);
  EXPECT_EQ(tx.exec_params1("SELECT extract(epoch FROM t)::bigint FROM unnest($1::timestamptz[]) "
                            "AS t",
                            times.str())[0]
                .as<int64_t>(),
            1795402800);
}

// An array literal nested as text in another: how the event log passes each event's audience.
TEST_F(SqlArrayTest, AnArrayLiteralSurvivesAsAnElement) {
  const std::string inner = TextArray({"owner:a\"b", "function:x,y"});
  pqxx::work tx(connection_);
  const auto row = tx.exec_params1(
      "SELECT (value::text[])[1], (value::text[])[2] FROM unnest($1::text[]) AS value",
      TextArray({inner}));
  EXPECT_EQ(row[0].as<std::string>(), "owner:a\"b");
  EXPECT_EQ(row[1].as<std::string>(), "function:x,y");
}

// db::BinaryColumn: byte strings of any content (zero bytes, empty ones) come back as they
// went in, through one binary parameter and substring().
TEST_F(SqlArrayTest, BinaryColumnGivesBackEveryByteString) {
  const std::vector<std::string> values = {std::string("\0\x01\xff\\'\"", 6), "", "plain",
                                           std::string(5000, '\x7f')};
  BinaryColumn column;
  for (const auto& value : values) column.Add(value);
  EXPECT_THAT(Substrings(column), ElementsAreArray(values));
}

// Append: columns encoded separately (e.g. on different threads) and joined give back every
// element in order, empty columns included.
TEST_F(SqlArrayTest, AppendedColumnsGiveBackEveryElementInOrder) {
  ArrayLiteral texts, empty, more_texts;
  texts.AddText("a,\"b\"").AddText("");
  more_texts.AddText("{c}");
  ArrayLiteral joined;
  joined.Append(empty).Append(texts).Append(empty).Append(more_texts);
  EXPECT_EQ(joined.size(), 3u);
  EXPECT_EQ(ArrayLiteral().Append(empty).str(), "{}");

  BinaryColumn bytes, no_bytes, more_bytes;
  bytes.Add(std::string("\0x", 2));
  bytes.Add("");
  more_bytes.Add("yz");
  BinaryColumn joined_bytes;
  joined_bytes.Append(no_bytes);
  joined_bytes.Append(bytes);
  joined_bytes.Append(more_bytes);
  EXPECT_THAT(Unnest(joined.str(), "text"), ElementsAre("a,\"b\"", "", "{c}"));
  EXPECT_THAT(Substrings(joined_bytes), ElementsAre(std::string("\0x", 2), "", "yz"));
}

}  // namespace
}  // namespace throughline::db
