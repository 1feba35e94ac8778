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
#include "services/offering/commitment_client.h"
#include "services/offering/offering_catalog.h"
#include "services/offering/offering_service.h"
#include "services/offering/segment_client.h"

namespace throughline::offering {

inline constexpr char kSchema[] = "offering";

// Where the offering service finds the other services, and the credentials it uses there.
struct OfferingServerOptions {
  std::string segment_address;
  std::string service_token;
  // The alignment service, which keeps the functions' commitments: EvaluateCoherence reads
  // them for UNLINKED_METRIC findings. Empty: reports leave the commitments out.
  std::string alignment_address = {};
  // How the channels to the other services are secured (--peer_tls_*); plaintext by default.
  server::PeerTls peer_tls = {};
};

// A running offering service (see SegmentServer for the shape).
class OfferingServer {
 public:
  static absl::StatusOr<std::unique_ptr<OfferingServer>> Start(
      const server::ServiceFlags& flags, const OfferingServerOptions& options,
      auth::TokenAuthenticator authenticator);

  ~OfferingServer();  // Shutdown().

  int port() const { return host_->port(); }
  int admin_port() const { return host_->admin_port(); }

  // Health NOT_SERVING, end event streams, drain calls, stop workers. Idempotent.
  void Shutdown();

 private:
  OfferingServer(const server::ServiceFlags& flags, const OfferingServerOptions& options,
                 const std::shared_ptr<grpc::ChannelCredentials>& peer_credentials,
                 auth::TokenAuthenticator authenticator);

  auth::TokenAuthenticator authenticator_;
  // Reads --tokens_file again and replaces authenticator_'s tokens when it changed.
  server::TokensFileWatcher tokens_file_;
  db::ConnectionPool pool_;
  // Where List calls read: --read_database_url's replica, if any.
  db::ListReads list_reads_;
  server::WorkerPool workers_;
  eventlog::EventLog events_;
  eventlog::EventNotifier notifier_;
  server::CallRuntime runtime_;
  // Kept while the channels to the other services are used: with TLS they read the
  // --peer_tls_* files again (server::PeerCredentials).
  const std::shared_ptr<grpc::ChannelCredentials> peer_credentials_;
  SegmentClient segments_;
  const std::unique_ptr<CommitmentClient> commitments_;  // null without an alignment address
  OfferingCatalog catalog_;
  OfferingService service_;
  std::unique_ptr<server::ServerHost> host_;
};

}  // namespace throughline::offering
