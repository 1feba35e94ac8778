#include "services/offering/offering_server.h"

#include <utility>

#include "libs/db/migrations.h"
#include "libs/server/outgoing_call.h"

namespace throughline::offering {

// Embedded from services/offering/migrations by CMake.
const std::vector<db::Migration>& OfferingMigrations();

OfferingServer::OfferingServer(const server::ServiceFlags& flags,
                               const OfferingServerOptions& options,
                               const std::shared_ptr<grpc::ChannelCredentials>& peer_credentials,
                               auth::TokenAuthenticator authenticator)
    : authenticator_(std::move(authenticator)),
      tokens_file_(flags, authenticator_),
      pool_(db::PoolOptions{
          .url = flags.database_url, .schema = kSchema, .size = flags.db_pool_size}),
      list_reads_(server::ListReadsOf(flags, pool_, kSchema)),
      workers_(flags.workers, flags.max_queue),
      events_("offering", kSchema),
      notifier_(pool_, events_),
      runtime_(workers_, authenticator_, absl::Seconds(flags.max_call_seconds),
               flags.max_calls_per_second),
      peer_credentials_(peer_credentials),
      segments_(server::DialService(options.segment_address, peer_credentials),
                options.service_token),
      commitments_(options.alignment_address.empty()
                       ? nullptr
                       : std::make_unique<CommitmentClient>(
                             server::DialService(options.alignment_address, peer_credentials),
                             options.service_token)),
      catalog_(pool_, list_reads_, events_, segments_, commitments_.get(),
               [] { return absl::Now(); }),
      service_(catalog_, runtime_,
               eventlog::WatchDependencies{events_, pool_, notifier_, workers_}),
      host_(std::make_unique<server::ServerHost>(
          server::ServerOptionsFrom(flags, "throughline.offering.v1.OfferingService"))) {}

absl::StatusOr<std::unique_ptr<OfferingServer>> OfferingServer::Start(
    const server::ServiceFlags& flags, const OfferingServerOptions& options,
    auth::TokenAuthenticator authenticator) {
  auto peer_credentials = server::PeerCredentials(options.peer_tls);
  if (!peer_credentials.ok()) return peer_credentials.status();
  if (absl::Status migrated =
          db::ApplyMigrations(flags.database_url, kSchema, OfferingMigrations());
      !migrated.ok()) {
    return migrated;
  }
  std::unique_ptr<OfferingServer> server(
      new OfferingServer(flags, options, *peer_credentials, std::move(authenticator)));
  server->notifier_.Start();
  server->host_->AddService(&server->service_);
  if (absl::Status started = server->host_->Start(); !started.ok()) return started;
  return server;
}

OfferingServer::~OfferingServer() { Shutdown(); }

void OfferingServer::Shutdown() {
  host_->SetServing(false);
  notifier_.CloseAll();
  host_->Shutdown();
  workers_.Shutdown();
}

}  // namespace throughline::offering
