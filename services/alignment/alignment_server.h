#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/auth.h"
#include "libs/db/connection_pool.h"
#include "libs/db/list_reads.h"
#include "libs/eventlog/event_log.h"
#include "libs/eventlog/notifier.h"
#include "libs/server/call.h"
#include "libs/server/server_host.h"
#include "libs/server/service_flags.h"
#include "libs/server/tokens_file.h"
#include "libs/server/worker_pool.h"
#include "services/alignment/alignment_catalog.h"
#include "services/alignment/alignment_service.h"
#include "services/alignment/escalator.h"
#include "services/alignment/event_processor.h"
#include "services/alignment/subscription.h"
#include "services/alignment/suite_client.h"

namespace throughline::alignment {

inline constexpr char kSchema[] = "alignment";

struct AlignmentServerOptions {
  std::string segment_address;
  std::string offering_address;
  // This service's own token (role service) for the segment and offering services.
  std::string service_token;
  // How the channels to the segment and offering services are secured (--peer_tls_*);
  // plaintext by default.
  server::PeerTls peer_tls = {};
  // Organization policy: how long a function has to resolve a task.
  absl::Duration task_due_after = absl::Hours(24 * 7);
  absl::Duration escalation_interval = absl::Seconds(30);
  // How often a standby replica tries to take over a subscription.
  absl::Duration subscription_lock_retry = absl::Seconds(1);
};

// A running alignment service: the gRPC server, the two subscriptions (held by one replica at
// a time) and the escalation sweeper.
class AlignmentServer {
 public:
  static absl::StatusOr<std::unique_ptr<AlignmentServer>> Start(
      const server::ServiceFlags& flags, const AlignmentServerOptions& options,
      auth::TokenAuthenticator authenticator);

  ~AlignmentServer();  // Shutdown().

  int port() const { return host_->port(); }
  int admin_port() const { return host_->admin_port(); }
  // True while this replica holds both subscriptions.
  bool holds_subscriptions() const {
    return segment_events_.holding() && offering_events_.holding();
  }

  // Health NOT_SERVING, stop the subscriptions and the sweeper, end streams, drain calls.
  void Shutdown();

 private:
  AlignmentServer(const server::ServiceFlags& flags, const AlignmentServerOptions& options,
                  const std::shared_ptr<grpc::ChannelCredentials>& peer_credentials,
                  auth::TokenAuthenticator authenticator);

  auth::TokenAuthenticator authenticator_;
  // Reads --tokens_file again and replaces authenticator_'s tokens when it changed.
  server::TokensFileWatcher tokens_file_;
  db::ConnectionPool pool_;
  // Where List calls read: --read_database_url's replica, if any.
  db::ListReads list_reads_;
  server::WorkerPool workers_;
  eventlog::EventLog task_log_;
  eventlog::EventNotifier notifier_;
  server::CallRuntime runtime_;
  // Kept while the channels to the other services are used: with TLS they read the
  // --peer_tls_* files again (server::PeerCredentials).
  const std::shared_ptr<grpc::ChannelCredentials> peer_credentials_;
  SuiteClient suite_;
  EventProcessor processor_;
  Subscription segment_events_;
  Subscription offering_events_;
  Escalator escalator_;
  AlignmentCatalog catalog_;
  AlignmentService service_;
  std::unique_ptr<server::ServerHost> host_;
};

}  // namespace throughline::alignment
