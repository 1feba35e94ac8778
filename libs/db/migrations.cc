#include "libs/db/migrations.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/db/connection_pool.h"
#include "libs/db/transaction.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"

namespace throughline::db {
namespace {

constexpr char kCreateLedger[] = R"sql(
  CREATE TABLE IF NOT EXISTS schema_migrations (
    track        text        NOT NULL,
    version      integer     NOT NULL,
    name         text        NOT NULL,
    applied_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (track, version)
  ))sql";
constexpr char kIsApplied[] =
    "SELECT 1 FROM schema_migrations WHERE track = $1 AND version = $2";
constexpr char kRecord[] =
    "INSERT INTO schema_migrations (track, version, name) VALUES ($1, $2, $3)";

absl::Status ApplyTrack(pqxx::connection& connection, std::string_view track,
                        std::vector<Migration> migrations, const std::string& schema) {
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (const Migration& migration : migrations) {
    pqxx::work tx(connection);
    if (!tx.exec_params(kIsApplied, std::string(track), migration.version).empty()) continue;
    try {
      tx.exec(std::string(migration.sql));
    } catch (const pqxx::sql_error& e) {
      // The operator reads this at start: which migration, and PostgreSQL's own words.
      return errors::Internal(absl::StrCat(
          "schema ", schema, ": migration ", std::string(track), " ", std::string(migration.name),
          " failed: ", absl::StripTrailingAsciiWhitespace(e.what())));
    }
    tx.exec_params0(kRecord, std::string(track), migration.version, std::string(migration.name));
    tx.commit();
    log::Info("migration applied", {{"schema", schema},
                                    {"track", track},
                                    {"version", migration.version},
                                    {"name", migration.name}});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyMigrations(const std::string& url, const std::string& schema,
                             const std::vector<Migration>& service_migrations) {
  auto connection = Connect(url, "", absl::Seconds(5));
  if (!connection.ok()) return connection.status();
  try {
    pqxx::nontransaction session(**connection);
    const std::string lock_key = session.quote("throughline-migrations:" + schema);
    session.exec("SELECT pg_advisory_lock(hashtext(" + lock_key + "))");
    session.exec0("CREATE SCHEMA IF NOT EXISTS " + session.quote_name(schema));
    session.exec0("SET search_path TO " + session.quote_name(schema) + ", public");
    session.exec0(kCreateLedger);
    session.commit();

    absl::Status status = ApplyTrack(**connection, "platform", PlatformMigrations(), schema);
    if (status.ok()) status = ApplyTrack(**connection, "service", service_migrations, schema);

    pqxx::nontransaction unlock(**connection);
    unlock.exec("SELECT pg_advisory_unlock(hashtext(" + lock_key + "))");
    return status;
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

}  // namespace throughline::db
