#include "libs/db/health_probe.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/db/connection_pool.h"
#include "libs/errors/errors.h"

namespace throughline::db {

DatabaseProbe::DatabaseProbe(std::string url, std::string schema, absl::Duration timeout)
    : url_(std::move(url)), schema_(std::move(schema)), timeout_(timeout) {}

absl::Status DatabaseProbe::Check() {
  absl::MutexLock lock(&mu_);
  if (connection_ == nullptr || !connection_->is_open()) {
    auto opened = Connect(url_, schema_, timeout_);
    if (!opened.ok()) {
      connection_.reset();
      return opened.status();
    }
    connection_ = *std::move(opened);
    try {
      // A server that accepts connections but cannot run a query (overloaded, stuck on I/O)
      // must not hold the probe for long.
      pqxx::nontransaction session(*connection_);
      session.exec0(absl::StrCat("SET statement_timeout = ", absl::ToInt64Milliseconds(timeout_)));
    } catch (const std::exception& e) {
      connection_.reset();
      return errors::Unavailable(absl::StrCat("database unavailable: ", e.what()));
    }
  }
  try {
    pqxx::nontransaction session(*connection_);
    session.exec1("SELECT 1");
    return absl::OkStatus();
  } catch (const std::exception& e) {
    // Whatever failed, start over with a fresh connection next time.
    connection_.reset();
    return errors::Unavailable(absl::StrCat("database unavailable: ", e.what()));
  }
}

}  // namespace throughline::db
