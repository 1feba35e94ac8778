#pragma once

#include <memory>

#include "CLI/CLI.hpp"
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
#include "services/segment/segment_cache.h"
#include "services/segment/segment_catalog.h"
#include "services/segment/segment_service.h"

namespace throughline::segment {

// The database schema of the segment service.
inline constexpr char kSchema[] = "segment";

// segmentd's own flags, beside the common server::ServiceFlags.
struct SegmentFlags {
  // Segments GetSegment keeps in memory (SegmentCache); 0: none.
  int cache_segments = 10'000;
};

// Registers SegmentFlags on `app`.
void AddSegmentFlags(CLI::App& app, SegmentFlags& flags);

// A running segment service: migrations applied, database pool, workers, event notifier and
// the gRPC server. main() runs one until SIGTERM; tests run one in-process on port 0.
class SegmentServer {
 public:
  static absl::StatusOr<std::unique_ptr<SegmentServer>> Start(
      const server::ServiceFlags& flags, auth::TokenAuthenticator authenticator,
      SegmentFlags segment_flags = {});

  ~SegmentServer();  // Shutdown().

  int port() const { return host_->port(); }
  int admin_port() const { return host_->admin_port(); }
  // GetSegment's cache (tests: whether it keeps what was read).
  const SegmentCache& cache() const { return cache_; }

  // Health NOT_SERVING, end event streams, drain calls, stop workers. Idempotent.
  void Shutdown();

 private:
  SegmentServer(const server::ServiceFlags& flags, auth::TokenAuthenticator authenticator,
                SegmentFlags segment_flags);

  // Declared in construction order; destroyed in reverse.
  auth::TokenAuthenticator authenticator_;
  // Reads --tokens_file again and replaces authenticator_'s tokens when it changed.
  server::TokensFileWatcher tokens_file_;
  db::ConnectionPool pool_;
  // Where List calls read: --read_database_url's replica, if any.
  db::ListReads list_reads_;
  server::WorkerPool workers_;
  eventlog::EventLog events_;
  // Before the notifier, which tells it every change until the notifier's thread ends.
  SegmentCache cache_;
  eventlog::EventNotifier notifier_;
  server::CallRuntime runtime_;
  SegmentCatalog catalog_;
  SegmentService service_;
  std::unique_ptr<server::ServerHost> host_;
};

}  // namespace throughline::segment
