#include "libs/server/service_flags.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "libs/db/health_probe.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"

namespace throughline::server {

void AddServiceFlags(CLI::App& app, ServiceFlags& flags, const std::string& default_listen,
                     const std::string& default_admin_listen) {
  flags.listen = default_listen;
  flags.admin_listen = default_admin_listen;
  app.add_option("--listen", flags.listen, "gRPC address host:port")
      ->envname("THROUGHLINE_LISTEN")
      ->capture_default_str();
  app.add_option("--admin_listen", flags.admin_listen,
                 "Admin HTTP address serving /metrics; empty disables it")
      ->envname("THROUGHLINE_ADMIN_LISTEN")
      ->capture_default_str();
  app.add_option("--database_url", flags.database_url, "libpq connection string (required)")
      ->envname("THROUGHLINE_DATABASE_URL");
  app.add_option("--read_database_url", flags.read_database_url,
                 "libpq connection string of a read replica (hot standby) of --database_url: "
                 "List calls read from it and may lag writes by the replication delay; Get "
                 "calls and writes stay on --database_url, which List calls also use while the "
                 "replica does not answer. Empty: none")
      ->envname("THROUGHLINE_READ_DATABASE_URL");
  app.add_option("--max_read_lag_seconds", flags.max_read_lag_seconds,
                 "How far behind the primary the read replica may be for List calls to read "
                 "it (measured every second); further behind, they read --database_url. 0: no "
                 "limit")
      ->envname("THROUGHLINE_MAX_READ_LAG_SECONDS")
      ->check(CLI::Range(0, 86'400))
      ->capture_default_str();
  app.add_option("--tokens_file", flags.tokens_file,
                 "Bearer tokens: one '<token> <organization> <principal> <role>' per line")
      ->envname("THROUGHLINE_TOKENS_FILE");
  app.add_option("--tokens_reload_seconds", flags.tokens_reload_seconds,
                 "How often --tokens_file is read again: added tokens are accepted and removed "
                 "ones refused without a restart, and watch streams opened with a removed token "
                 "end")
      ->envname("THROUGHLINE_TOKENS_RELOAD_SECONDS")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  app.add_flag("--dev_token", flags.dev_token,
               "Accept the development token 'dev-token' as admin of organization 'demo' "
               "(local use only)")
      ->envname("THROUGHLINE_DEV_TOKEN");
  app.add_option("--workers", flags.workers, "Threads for database work")
      ->envname("THROUGHLINE_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--max_queue", flags.max_queue,
                 "Calls waiting for a worker before new ones get RESOURCE_EXHAUSTED")
      ->envname("THROUGHLINE_MAX_QUEUE")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--db_pool_size", flags.db_pool_size, "Database connections")
      ->envname("THROUGHLINE_DB_POOL_SIZE")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--max_call_seconds", flags.max_call_seconds,
                 "Deadline of a call whose client sets none")
      ->envname("THROUGHLINE_MAX_CALL_SECONDS")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--max_calls_per_second", flags.max_calls_per_second,
                 "Calls per second each organization may make, bursts up to twice that; more "
                 "get RESOURCE_EXHAUSTED (RATE_LIMITED) with a retry delay. Service accounts "
                 "are not limited. 0: no limit")
      ->envname("THROUGHLINE_MAX_CALLS_PER_SECOND")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  app.add_option("--shutdown_grace_seconds", flags.shutdown_grace_seconds,
                 "Time in-flight calls get to finish on SIGTERM")
      ->envname("THROUGHLINE_SHUTDOWN_GRACE_SECONDS")
      ->check(CLI::Range(0, 600))
      ->capture_default_str();
  app.add_option("--max_receive_message_bytes", flags.max_receive_message_bytes,
                 "Largest request message accepted")
      ->envname("THROUGHLINE_MAX_RECEIVE_MESSAGE_BYTES")
      ->capture_default_str();
  app.add_option("--max_concurrent_streams", flags.max_concurrent_streams,
                 "Concurrent calls per client connection")
      ->envname("THROUGHLINE_MAX_CONCURRENT_STREAMS")
      ->capture_default_str();
  app.add_option("--max_connection_age_seconds", flags.max_connection_age_seconds,
                 "Age after which a client connection is told to go away (its open calls and "
                 "watches go on; new calls reconnect, and so reach new replicas and renewed TLS "
                 "certificates). 0: never")
      ->envname("THROUGHLINE_MAX_CONNECTION_AGE_SECONDS")
      ->check(CLI::Range(0, 2'000'000))
      ->capture_default_str();
  app.add_option("--health_check_interval_ms", flags.health_check_interval_ms,
                 "How often the database is probed; grpc.health.v1 answers NOT_SERVING while it "
                 "does not answer. 0 disables the probe")
      ->envname("THROUGHLINE_HEALTH_CHECK_INTERVAL_MS")
      ->check(CLI::Range(0, 3'600'000))
      ->capture_default_str();
  app.add_option("--log_level", flags.log_level, "debug, info, warning or error")
      ->envname("THROUGHLINE_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--tls_cert", flags.tls.cert_file, "PEM certificate chain; enables TLS")
      ->envname("THROUGHLINE_TLS_CERT");
  app.add_option("--tls_key", flags.tls.key_file, "PEM private key of --tls_cert")
      ->envname("THROUGHLINE_TLS_KEY");
  app.add_option("--tls_client_ca", flags.tls.client_ca_file,
                 "PEM CA that signs client certificates")
      ->envname("THROUGHLINE_TLS_CLIENT_CA");
  app.add_flag("--tls_require_client_cert", flags.tls.require_client_cert,
               "Mutual TLS: refuse clients without a certificate signed by --tls_client_ca")
      ->envname("THROUGHLINE_TLS_REQUIRE_CLIENT_CERT");
  app.add_option("--tls_reload_seconds", flags.tls.reload_seconds,
                 "How often --tls_cert, --tls_key and --tls_client_ca are read again: renewed "
                 "files serve new connections without a restart")
      ->envname("THROUGHLINE_TLS_RELOAD_SECONDS")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
}

void AddPeerTlsFlags(CLI::App& app, PeerTls& tls) {
  app.add_option("--peer_tls_ca", tls.ca_file,
                 "PEM CA that signs the other services' certificates; calls them over TLS")
      ->envname("THROUGHLINE_PEER_TLS_CA");
  app.add_option("--peer_tls_cert", tls.cert_file,
                 "PEM client certificate for services that require one (mutual TLS)")
      ->envname("THROUGHLINE_PEER_TLS_CERT");
  app.add_option("--peer_tls_key", tls.key_file, "PEM private key of --peer_tls_cert")
      ->envname("THROUGHLINE_PEER_TLS_KEY");
  app.add_option("--peer_tls_reload_seconds", tls.reload_seconds,
                 "How often the --peer_tls_* files are read again: renewed files are used for "
                 "new connections without a restart")
      ->envname("THROUGHLINE_PEER_TLS_RELOAD_SECONDS")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
}

absl::Status ApplyServiceFlags(const ServiceFlags& flags) {
  auto level = log::ParseLevel(flags.log_level);
  if (!level.ok()) return level.status();
  log::SetMinLevel(*level);
  if (flags.database_url.empty()) {
    return errors::InvalidField("--database_url",
                                "required (or THROUGHLINE_DATABASE_URL); tools/run starts a "
                                "private PostgreSQL and passes it");
  }
  if (!flags.tls.cert_file.empty() && flags.tls.key_file.empty()) {
    return errors::InvalidField("--tls_key", "required with --tls_cert");
  }
  if (flags.tls.require_client_cert && flags.tls.client_ca_file.empty()) {
    return errors::InvalidField("--tls_client_ca", "required with --tls_require_client_cert");
  }
  return absl::OkStatus();
}

absl::StatusOr<auth::TokenAuthenticator> AuthenticatorOf(const ServiceFlags& flags,
                                                         std::string_view tokens_file_contents) {
  auto authenticator =
      auth::TokenAuthenticator::FromString(tokens_file_contents, flags.tokens_file);
  if (!authenticator.ok()) return authenticator.status();
  if (flags.dev_token) {
    authenticator->Add(auth::kDevelopmentToken, auth::DevelopmentPrincipal());
  }
  if (authenticator->size() == 0) {
    return errors::InvalidField("--tokens_file", "no tokens: give --tokens_file or --dev_token");
  }
  return authenticator;
}

absl::StatusOr<auth::TokenAuthenticator> LoadAuthenticator(const ServiceFlags& flags) {
  std::string contents;
  if (!flags.tokens_file.empty()) {
    auto read = auth::ReadTokensFile(flags.tokens_file);
    if (!read.ok()) return read.status();
    contents = *std::move(read);
  }
  auto authenticator = AuthenticatorOf(flags, contents);
  if (authenticator.ok() && flags.dev_token) {
    log::Warning("development token accepted: every caller holding it is admin of "
                 "organization 'demo'; do not use --dev_token outside local use");
  }
  return authenticator;
}

db::ListReads ListReadsOf(const ServiceFlags& flags, db::ConnectionPool& primary,
                          const std::string& schema) {
  std::unique_ptr<db::ConnectionPool> replica;
  if (!flags.read_database_url.empty()) {
    replica = std::make_unique<db::ConnectionPool>(db::PoolOptions{
        .url = flags.read_database_url, .schema = schema, .size = flags.db_pool_size});
  }
  return db::ListReads(primary, std::move(replica), absl::Seconds(flags.max_read_lag_seconds));
}

ServerOptions ServerOptionsFrom(const ServiceFlags& flags, std::string service_name) {
  ServerOptions options;
  options.service_name = std::move(service_name);
  options.listen = flags.listen;
  options.admin_listen = flags.admin_listen;
  options.max_receive_message_bytes = flags.max_receive_message_bytes;
  options.max_concurrent_streams = flags.max_concurrent_streams;
  options.max_connection_age = absl::Seconds(flags.max_connection_age_seconds);
  options.tls = flags.tls;
  options.shutdown_grace = absl::Seconds(flags.shutdown_grace_seconds);
  if (flags.health_check_interval_ms > 0 && !flags.database_url.empty()) {
    // `SELECT 1` needs no schema; the probe's session shows as application "throughline-".
    auto probe = std::make_shared<db::DatabaseProbe>(flags.database_url, "");
    options.readiness_check = [probe] { return probe->Check(); };
    options.readiness_interval = absl::Milliseconds(flags.health_check_interval_ms);
  }
  return options;
}

}  // namespace throughline::server
