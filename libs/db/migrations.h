#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace throughline::db {

// One forward-only schema migration: migrations/NNNN_<what>.sql, embedded at build time by
// throughline_embed_migrations() (cmake/Migrations.cmake).
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Brings `schema` up to date: creates it when missing, then applies, in version order, every
// migration of the platform track (tables every service has: the event log, idempotency
// keys) and of the service's own track that is not yet recorded in schema_migrations. Each
// migration runs in its own transaction together with its record. Concurrent replicas
// serialize on a PostgreSQL advisory lock, so exactly one applies each migration.
absl::Status ApplyMigrations(const std::string& url, const std::string& schema,
                             const std::vector<Migration>& service_migrations);

// The platform track, embedded from libs/db/migrations.
const std::vector<Migration>& PlatformMigrations();

}  // namespace throughline::db
