#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/server/metrics.h"
#include "libs/server/tls_files.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace throughline::server {

struct TlsOptions {
  // PEM files. TLS is on when cert_file is set.
  std::string cert_file;
  std::string key_file;
  // CA that signs client certificates; with require_client_cert, mutual TLS.
  std::string client_ca_file;
  bool require_client_cert = false;
  // How often the files are read again: a renewed certificate or CA serves new connections
  // within this time, without a restart (TlsFiles).
  int reload_seconds = 60;
};

struct ServerOptions {
  // Name in logs and health, e.g. "throughline.segment.v1.SegmentService".
  std::string service_name;
  // host:port of the gRPC endpoint; port 0 picks a free port (tests).
  std::string listen = "127.0.0.1:0";
  // host:port of the admin HTTP endpoint serving /metrics; empty: none.
  std::string admin_listen;
  int max_receive_message_bytes = 4 << 20;
  int max_concurrent_streams = 1000;
  // A client connection older than this gets a GOAWAY: its open calls (watches too) go on
  // until they end, new calls go over a new connection, which the client's load balancing
  // may place on another replica and which uses the server's current TLS certificate.
  // Zero: connections are never aged out. At most 2,000,000 s (gRPC takes an int of ms).
  absl::Duration max_connection_age = absl::ZeroDuration();
  TlsOptions tls;
  // How long in-flight calls get to finish on shutdown before they are cancelled.
  absl::Duration shutdown_grace = absl::Seconds(5);
  // What the server needs to do its work (the database): when set, it is called every
  // readiness_interval from Start() to Shutdown(), and health is NOT_SERVING while it fails,
  // so that load balancers and orchestrators route around a server that cannot work.
  std::function<absl::Status()> readiness_check;
  absl::Duration readiness_interval = absl::Seconds(1);
  // The shortest interval between a client's keepalive pings on streams that send nothing;
  // a client pinging more often is disconnected (gRPC's "too many pings"). Half of
  // DialService's Keepalive::time, so the other services' pings are always accepted.
  absl::Duration min_ping_interval = absl::Seconds(10);
};

// A gRPC server with what every Throughline service has: grpc.health.v1, server reflection,
// go-grpc-prometheus metrics on an admin port, message-size and stream limits, optional
// (mutual) TLS and an orderly shutdown.
class ServerHost {
 public:
  explicit ServerHost(ServerOptions options);
  ~ServerHost();  // Shutdown().
  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;

  // Registers a service (not owned; it must outlive the host). Before Start().
  void AddService(grpc::Service* service);

  // Binds both endpoints and starts serving; health is SERVING afterwards.
  absl::Status Start();

  int port() const { return port_; }
  int admin_port() const { return admin_port_; }
  // Where the server's metrics are; a part that counts its own shares it, so that its
  // metrics outlive the server whatever the order of destruction.
  const std::shared_ptr<prometheus::Registry>& registry() { return registry_; }

  // Reports SERVING or NOT_SERVING on grpc.health.v1 (overall and for the service). With a
  // readiness check, SERVING is reported only while the check also passes.
  void SetServing(bool serving);

  // Whether the readiness check passed last time (true without a check).
  bool ready() const;

  // Health NOT_SERVING, stop accepting calls, let in-flight ones finish within the grace
  // period, cancel the rest. Idempotent. Never call it from a signal handler.
  void Shutdown();

 private:
  // Runs the readiness check until Shutdown().
  void WatchReadiness();
  // Publishes serving_ && ready_ on grpc.health.v1.
  void PublishHealth() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ServerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  GrpcMetrics metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<TlsFiles> tls_files_;  // with TLS: the files, read again while serving
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int admin_port_ = 0;
  bool shut_down_ = false;

  mutable absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;  // what SetServing asked for
  bool ready_ ABSL_GUARDED_BY(mu_) = true;     // what the readiness check found
  bool stop_watching_ ABSL_GUARDED_BY(mu_) = false;
  std::thread readiness_watcher_;
};

// Process-wide settings of a service binary; call it first in main(), before any thread starts.
// - Blocks SIGTERM and SIGINT in the calling thread and the threads it starts later, so that
//   WaitForTerminationSignal() receives them synchronously.
// - Turns off Abseil's mutex deadlock detection. Debian builds Abseil without NDEBUG, so every
//   absl::Mutex (gRPC's locks among them) otherwise keeps a lock-order graph up to date on
//   each lock and unlock: about 1.5 % of segmentd's CPU in a profile (BENCHMARKS.md). Tests keep
//   the detection on.
void PrepareServiceProcess();

// Waits until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForTerminationSignal();

}  // namespace throughline::server
