#pragma once

#include <memory>
#include <string>

namespace throughline::testing {

// A database of its own for one test, in the throwaway PostgreSQL cluster that ctest starts
// (tools/pg, see tests/CMakeLists.txt). Dropped, with any open connections, on destruction.
//
//   auto db = TestDatabase::Create();
//   pqxx::connection connection(db->url());
class TestDatabase {
 public:
  // Creates a database named "t_<random hex>" in the cluster whose connection string is in
  // $THROUGHLINE_TEST_PG_DIR/url (or given directly in $THROUGHLINE_TEST_ADMIN_URL). Never
  // returns null: when there is no cluster it records a test failure and throws, which fails the
  // calling test with the reason (a database test must not silently skip).
  static std::unique_ptr<TestDatabase> Create();

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase();

  // libpq connection string for this test's database.
  const std::string& url() const { return url_; }
  // libpq connection string for the cluster's maintenance database, as superuser.
  const std::string& admin_url() const { return admin_url_; }
  const std::string& name() const { return name_; }

 private:
  TestDatabase(std::string admin_url, std::string name, std::string url);

  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// The connection string `url` (key-value or URI form) with its database replaced by `dbname`.
std::string WithDatabase(const std::string& url, const std::string& dbname);

}  // namespace throughline::testing
