#include "libs/server/server_host.h"

#include <signal.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"

namespace throughline::server {

namespace {

// The server's credentials; `files` gets the watcher of the TLS files, which must live as long
// as the server.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const TlsOptions& tls, std::unique_ptr<TlsFiles>& files) {
  if (tls.cert_file.empty()) return grpc::InsecureServerCredentials();
  auto watched =
      TlsFiles::Watch(tls.cert_file, tls.key_file, tls.client_ca_file, tls.reload_seconds);
  if (!watched.ok()) return watched.status();
  files = *std::move(watched);
  grpc::experimental::TlsServerCredentialsOptions options(files->provider());
  options.watch_identity_key_cert_pairs();
  if (!tls.client_ca_file.empty()) options.watch_root_certs();
  options.set_cert_request_type(tls.require_client_cert
                                    ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                    : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace

ServerHost::ServerHost(ServerOptions options)
    : options_(std::move(options)),
      registry_(std::make_shared<prometheus::Registry>()),
      metrics_(*registry_) {}

ServerHost::~ServerHost() { Shutdown(); }

void ServerHost::AddService(grpc::Service* service) { services_.push_back(service); }

absl::Status ServerHost::Start() {
  if (!options_.admin_listen.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.admin_listen);
      exposer_->RegisterCollectable(registry_);
      admin_port_ = exposer_->GetListeningPorts().front();
    } catch (const std::exception& e) {
      return errors::Unavailable(
          absl::StrCat("cannot listen on admin address ", options_.admin_listen, ": ", e.what()));
    }
  }

  auto credentials = Credentials(options_.tls, tls_files_);
  if (!credentials.ok()) return credentials.status();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, *credentials, &port_);
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options_.max_concurrent_streams);
  if (options_.max_connection_age > absl::ZeroDuration()) {
    // gRPC's default grace (GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS) is unlimited: an aged
    // connection closes when its last call ends, never cutting a call or a watch short.
    builder.AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_AGE_MS,
        static_cast<int>(absl::ToInt64Milliseconds(options_.max_connection_age)));
  }
  // The other services' keepalive pings (DialService): gRPC's default refuses pings without
  // data more often than every 5 minutes and disconnects after the third, which would cut
  // alignmentd's idle watch streams every minute.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options_.min_ping_interval)));
  // And our own pings, so that a watch whose client vanished is ended within about a minute
  // instead of gRPC's default two hours.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(metrics_.InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(factories));
  for (grpc::Service* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return errors::Unavailable(absl::StrCat("cannot listen on ", options_.listen));
  }
  if (options_.readiness_check) {
    // The first verdict before SERVING is ever reported: a server started while the database
    // is down says so from the start.
    const absl::Status ready = options_.readiness_check();
    {
      absl::MutexLock lock(&mu_);
      ready_ = ready.ok();
    }
    if (!ready.ok()) log::Warning("not ready", {{"error", ready.ToString()}});
    readiness_watcher_ = std::thread([this] { WatchReadiness(); });
  }
  SetServing(true);
  log::Info("server started", {{"service", options_.service_name},
                               {"port", port_},
                               {"admin_port", admin_port_},
                               {"tls", !options_.tls.cert_file.empty()}});
  return absl::OkStatus();
}

void ServerHost::SetServing(bool serving) {
  absl::MutexLock lock(&mu_);
  serving_ = serving;
  PublishHealth();
}

bool ServerHost::ready() const {
  absl::MutexLock lock(&mu_);
  return ready_;
}

void ServerHost::PublishHealth() {
  if (server_ == nullptr) return;
  const bool serving = serving_ && ready_;
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving);
  health->SetServingStatus(options_.service_name, serving);
}

void ServerHost::WatchReadiness() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stop_watching_), options_.readiness_interval);
      if (stop_watching_) return;
    }
    // Without the lock: the check may take as long as its own timeouts.
    const absl::Status ready = options_.readiness_check();
    absl::MutexLock lock(&mu_);
    if (stop_watching_) return;
    if (ready.ok() == ready_) continue;
    ready_ = ready.ok();
    if (ready_) {
      log::Info("ready again: health follows the server's state",
                {{"service", options_.service_name}, {"serving", serving_}});
    } else {
      log::Warning("not ready: health NOT_SERVING",
                   {{"service", options_.service_name}, {"error", ready.ToString()}});
    }
    PublishHealth();
  }
}

void ServerHost::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stop_watching_ = true;
  }
  if (readiness_watcher_.joinable()) readiness_watcher_.join();
  if (server_ == nullptr || shut_down_) return;
  shut_down_ = true;
  SetServing(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
  server_->Wait();
  log::Info("server stopped", {{"service", options_.service_name}});
}

void PrepareServiceProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int WaitForTerminationSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

}  // namespace throughline::server
