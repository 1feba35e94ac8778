#include "tests/support/test_database.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <pqxx/pqxx>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace throughline::testing {
namespace {

constexpr char kAdminUrlEnv[] = "THROUGHLINE_TEST_ADMIN_URL";
constexpr char kClusterDirEnv[] = "THROUGHLINE_TEST_PG_DIR";

[[noreturn]] void Fail(const std::string& message) {
  ADD_FAILURE() << "TestDatabase: " << message;
  // Unwinds out of the test body, which GoogleTest records as a second, brief failure.
  throw std::runtime_error("TestDatabase could not provide a database (see the failure above)");
}

// The connection string of the throwaway cluster that ctest's postgres fixture started.
std::string ClusterAdminUrl() {
  if (const char* url = std::getenv(kAdminUrlEnv); url != nullptr && *url != '\0') return url;
  const char* dir = std::getenv(kClusterDirEnv);
  if (dir == nullptr || *dir == '\0') {
    Fail(absl::StrCat(kClusterDirEnv,
                      " is not set. Database tests need the throwaway PostgreSQL cluster: run "
                      "them through ctest (tools/test), or start one with `tools/pg start DIR "
                      "--fast` and set ",
                      kClusterDirEnv, "=DIR."));
  }
  const std::string path = absl::StrCat(dir, "/url");
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  std::string url(absl::StripAsciiWhitespace(contents.str()));
  if (!file || url.empty()) {
    Fail(absl::StrCat("cannot read ", path, "; is the cluster started (tools/pg start ", dir,
                      ")?"));
  }
  return url;
}

// Appends `value` to `out` quoted as a key-value connection string needs it.
void AppendConninfoValue(const std::string& value, std::string& out) {
  bool plain = !value.empty();
  for (char c : value) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '\'' || c == '\\') plain = false;
  }
  if (plain) {
    out += value;
    return;
  }
  out += '\'';
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

std::string WithDatabase(const std::string& url, const std::string& dbname) {
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    // scheme://[userinfo@][hosts][/dbname][?params]
    const size_t authority = url.find("://") + 3;
    const size_t path = url.find_first_of("/?", authority);
    if (path == std::string::npos) return absl::StrCat(url, "/", dbname);
    const size_t query = url.find('?', path);
    const std::string params = query == std::string::npos ? "" : url.substr(query);
    return absl::StrCat(url.substr(0, path), "/", dbname, params);
  }
  // key = value pairs; values may be single-quoted with backslash escapes.
  std::string out;
  size_t i = 0;
  const auto skip_space = [&] {
    while (i < url.size() && std::isspace(static_cast<unsigned char>(url[i]))) ++i;
  };
  while (true) {
    skip_space();
    if (i >= url.size()) break;
    const size_t key_start = i;
    while (i < url.size() && url[i] != '=' && !std::isspace(static_cast<unsigned char>(url[i])))
      ++i;
    const std::string key = url.substr(key_start, i - key_start);
    skip_space();
    if (i < url.size() && url[i] == '=') ++i;
    skip_space();
    std::string value;
    if (i < url.size() && url[i] == '\'') {
      for (++i; i < url.size() && url[i] != '\''; ++i) {
        if (url[i] == '\\' && i + 1 < url.size()) ++i;
        value += url[i];
      }
      ++i;
    } else {
      while (i < url.size() && !std::isspace(static_cast<unsigned char>(url[i]))) {
        if (url[i] == '\\' && i + 1 < url.size()) ++i;
        value += url[i++];
      }
    }
    if (key == "dbname") continue;
    absl::StrAppend(&out, key, "=");
    AppendConninfoValue(value, out);
    out += ' ';
  }
  out += "dbname=";
  AppendConninfoValue(dbname, out);
  return out;
}

std::unique_ptr<TestDatabase> TestDatabase::Create() {
  std::string admin_url = ClusterAdminUrl();
  absl::BitGen random;
  std::string name = absl::StrCat(
      "t_", absl::Hex(absl::Uniform<uint64_t>(random), absl::kZeroPad16));
  try {
    pqxx::connection connection(admin_url);
    pqxx::nontransaction work(connection);
    work.exec0("CREATE DATABASE " + work.quote_name(name));
  } catch (const std::exception& e) {
    Fail(absl::StrCat("cannot create database ", name, " with \"", admin_url, "\": ", e.what()));
  }
  std::string url = WithDatabase(admin_url, name);
  return std::unique_ptr<TestDatabase>(
      new TestDatabase(std::move(admin_url), std::move(name), std::move(url)));
}

TestDatabase::TestDatabase(std::string admin_url, std::string name, std::string url)
    : admin_url_(std::move(admin_url)), name_(std::move(name)), url_(std::move(url)) {}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection connection(admin_url_);
    pqxx::nontransaction work(connection);
    work.exec0("DROP DATABASE IF EXISTS " + work.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "TestDatabase: cannot drop database " << name_ << ": " << e.what();
  }
}

}  // namespace throughline::testing
