#include "services/alignment/alignment_server.h"

#include <utility>

#include "libs/db/migrations.h"
#include "libs/server/outgoing_call.h"

namespace throughline::alignment {

// Embedded from services/alignment/migrations by CMake.
const std::vector<db::Migration>& AlignmentMigrations();

namespace {

absl::Time Now() { return absl::Now(); }

}  // namespace

AlignmentServer::AlignmentServer(const server::ServiceFlags& flags,
                                 const AlignmentServerOptions& options,
                                 const std::shared_ptr<grpc::ChannelCredentials>& peer_credentials,
                                 auth::TokenAuthenticator authenticator)
    : authenticator_(std::move(authenticator)),
      tokens_file_(flags, authenticator_),
      pool_(db::PoolOptions{
          .url = flags.database_url, .schema = kSchema, .size = flags.db_pool_size}),
      list_reads_(server::ListReadsOf(flags, pool_, kSchema)),
      workers_(flags.workers, flags.max_queue),
      task_log_("alignment", kSchema),
      notifier_(pool_, task_log_),
      runtime_(workers_, authenticator_, absl::Seconds(flags.max_call_seconds),
               flags.max_calls_per_second),
      peer_credentials_(peer_credentials),
      suite_(server::DialService(options.segment_address, peer_credentials),
             server::DialService(options.offering_address, peer_credentials),
             options.service_token),
      processor_(pool_, task_log_, suite_, Now, options.task_due_after),
      segment_events_(Subscription::Source::kSegment, pool_, suite_, processor_,
                      options.subscription_lock_retry),
      offering_events_(Subscription::Source::kOffering, pool_, suite_, processor_,
                       options.subscription_lock_retry),
      escalator_(pool_, task_log_, Now, options.escalation_interval),
      catalog_(pool_, list_reads_, task_log_, suite_, processor_, Now),
      service_(catalog_, runtime_,
               eventlog::WatchDependencies{task_log_, pool_, notifier_, workers_}),
      host_(std::make_unique<server::ServerHost>(
          server::ServerOptionsFrom(flags, "throughline.alignment.v1.AlignmentService"))) {}

absl::StatusOr<std::unique_ptr<AlignmentServer>> AlignmentServer::Start(
    const server::ServiceFlags& flags, const AlignmentServerOptions& options,
    auth::TokenAuthenticator authenticator) {
  auto peer_credentials = server::PeerCredentials(options.peer_tls);
  if (!peer_credentials.ok()) return peer_credentials.status();
  if (absl::Status migrated =
          db::ApplyMigrations(flags.database_url, kSchema, AlignmentMigrations());
      !migrated.ok()) {
    return migrated;
  }
  std::unique_ptr<AlignmentServer> server(
      new AlignmentServer(flags, options, *peer_credentials, std::move(authenticator)));
  server->notifier_.Start();
  server->host_->AddService(&server->service_);
  if (absl::Status started = server->host_->Start(); !started.ok()) return started;
  server->segment_events_.Start();
  server->offering_events_.Start();
  server->escalator_.Start();
  return server;
}

AlignmentServer::~AlignmentServer() { Shutdown(); }

void AlignmentServer::Shutdown() {
  host_->SetServing(false);
  segment_events_.Stop();
  offering_events_.Stop();
  escalator_.Stop();
  notifier_.CloseAll();
  host_->Shutdown();
  workers_.Shutdown();
}

}  // namespace throughline::alignment
