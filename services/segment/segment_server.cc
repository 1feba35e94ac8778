#include "services/segment/segment_server.h"

#include <utility>

#include "libs/db/migrations.h"

namespace throughline::segment {

// Embedded from services/segment/migrations by CMake.
const std::vector<db::Migration>& SegmentMigrations();

void AddSegmentFlags(CLI::App& app, SegmentFlags& flags) {
  app.add_option("--cache_segments", flags.cache_segments,
                 "Segments GetSegment keeps in memory and answers without the database. A "
                 "change through this replica is seen at once, one through another replica "
                 "when its notification arrives (milliseconds). 0: none")
      ->envname("THROUGHLINE_CACHE_SEGMENTS")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
}

SegmentServer::SegmentServer(const server::ServiceFlags& flags,
                             auth::TokenAuthenticator authenticator, SegmentFlags segment_flags)
    : authenticator_(std::move(authenticator)),
      tokens_file_(flags, authenticator_),
      pool_(db::PoolOptions{
          .url = flags.database_url, .schema = kSchema, .size = flags.db_pool_size}),
      list_reads_(server::ListReadsOf(flags, pool_, kSchema)),
      workers_(flags.workers, flags.max_queue),
      events_("segment", kSchema),
      cache_({.max_segments = segment_flags.cache_segments,
              .notifications_pending = [this] { return notifier_.NotificationsPending(); }}),
      notifier_(pool_, events_),
      runtime_(workers_, authenticator_, absl::Seconds(flags.max_call_seconds),
               flags.max_calls_per_second),
      catalog_(pool_, list_reads_, events_, cache_, [] { return absl::Now(); }),
      service_(catalog_, runtime_,
               eventlog::WatchDependencies{events_, pool_, notifier_, workers_}),
      host_(std::make_unique<server::ServerHost>(
          server::ServerOptionsFrom(flags, "throughline.segment.v1.SegmentService"))) {}

absl::StatusOr<std::unique_ptr<SegmentServer>> SegmentServer::Start(
    const server::ServiceFlags& flags, auth::TokenAuthenticator authenticator,
    SegmentFlags segment_flags) {
  if (absl::Status migrated = db::ApplyMigrations(flags.database_url, kSchema,
                                                  SegmentMigrations());
      !migrated.ok()) {
    return migrated;
  }
  std::unique_ptr<SegmentServer> server(
      new SegmentServer(flags, std::move(authenticator), segment_flags));
  server->cache_.ExportMetrics(server->host_->registry());
  server->notifier_.AddObserver(&server->cache_);
  server->notifier_.Start();
  server->host_->AddService(&server->service_);
  if (absl::Status started = server->host_->Start(); !started.ok()) return started;
  return server;
}

SegmentServer::~SegmentServer() { Shutdown(); }

void SegmentServer::Shutdown() {
  host_->SetServing(false);
  notifier_.CloseAll();
  host_->Shutdown();
  workers_.Shutdown();
}

}  // namespace throughline::segment
