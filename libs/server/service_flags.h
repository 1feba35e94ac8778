#pragma once

#include <string>
#include <string_view>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "libs/auth/auth.h"
#include "libs/db/connection_pool.h"
#include "libs/db/list_reads.h"
#include "libs/server/outgoing_call.h"
#include "libs/server/server_host.h"

namespace throughline::server {

// The flags every service binary has. Each flag can also be set with the environment
// variable named after it: --database_url ↔ THROUGHLINE_DATABASE_URL.
struct ServiceFlags {
  std::string listen;
  std::string admin_listen;
  std::string database_url;
  // A hot standby of database_url that List calls read from (db::ListReads); empty: none.
  std::string read_database_url;
  // How far behind the primary the replica may be for List calls to read it; 0: no limit.
  int max_read_lag_seconds = 30;
  std::string tokens_file;
  // How often tokens_file is read again (TokensFileWatcher).
  int tokens_reload_seconds = 10;
  bool dev_token = false;
  int workers = 8;
  int max_queue = 1000;
  int db_pool_size = 8;
  int max_call_seconds = 30;
  // Calls per second each organization may make (bursts up to twice that); 0: no limit.
  int max_calls_per_second = 1000;
  int shutdown_grace_seconds = 5;
  int max_receive_message_bytes = 4 << 20;
  int max_concurrent_streams = 1000;
  // Age after which a client connection is asked to reconnect; 0: never.
  int max_connection_age_seconds = 0;
  // How often the database is probed for grpc.health.v1 (NOT_SERVING while it does not
  // answer); 0 turns the probe off.
  int health_check_interval_ms = 1000;
  std::string log_level = "info";
  TlsOptions tls;
};

// Registers the common flags on `app` with these defaults for the addresses.
void AddServiceFlags(CLI::App& app, ServiceFlags& flags, const std::string& default_listen,
                     const std::string& default_admin_listen);

// Registers --peer_tls_ca, --peer_tls_cert and --peer_tls_key: how a service that calls the
// others (offeringd, alignmentd) secures those channels.
void AddPeerTlsFlags(CLI::App& app, PeerTls& tls);

// Applies --log_level and checks the flags that need a value.
absl::Status ApplyServiceFlags(const ServiceFlags& flags);

// The token authenticator the flags describe: the tokens file, plus the development token
// with --dev_token. Fails when neither is given, so a server never accepts nobody silently.
absl::StatusOr<auth::TokenAuthenticator> LoadAuthenticator(const ServiceFlags& flags);

// The same with the tokens file's `contents` as given (empty without --tokens_file); errors
// name the file and line, never a token.
absl::StatusOr<auth::TokenAuthenticator> AuthenticatorOf(const ServiceFlags& flags,
                                                         std::string_view tokens_file_contents);

// Where a service's List calls read: a pool of --read_database_url for `schema` (the size of
// --db_pool_size) within --max_read_lag_seconds, else `primary`.
db::ListReads ListReadsOf(const ServiceFlags& flags, db::ConnectionPool& primary,
                          const std::string& schema);

// Server options from the flags, with a readiness check that probes --database_url (a
// db::DatabaseProbe on a connection of its own) every --health_check_interval_ms.
ServerOptions ServerOptionsFrom(const ServiceFlags& flags, std::string service_name);

}  // namespace throughline::server
