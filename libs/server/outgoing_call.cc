#include "libs/server/outgoing_call.h"

#include "absl/strings/str_cat.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"
#include "libs/server/server_host.h"
#include "libs/server/tls_files.h"

namespace throughline::server {

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PeerCredentials(const PeerTls& tls) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return tls.cert_file.empty()
               ? errors::InvalidField("--peer_tls_cert", "required with --peer_tls_key")
               : errors::InvalidField("--peer_tls_key", "required with --peer_tls_cert");
  }
  if (tls.ca_file.empty()) {
    if (!tls.cert_file.empty()) {
      return errors::InvalidField(
          "--peer_tls_ca",
          "required with --peer_tls_cert: a client certificate is only sent "
          "over TLS, which needs the CA that signs the other services' certificates");
    }
    return grpc::InsecureChannelCredentials();
  }
  auto files = TlsFiles::Watch(tls.cert_file, tls.key_file, tls.ca_file, tls.reload_seconds);
  if (!files.ok()) return files.status();
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider((*files)->provider());
  options.watch_root_certs();
  if (!tls.cert_file.empty()) options.watch_identity_key_cert_pairs();
  // The callee's certificate must name the host it is dialled by, as with SslCredentials
  // (gRPC's per-call host check does too; this does not leave it to a default).
  options.set_certificate_verifier(
      std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  // The credentials own the watcher of their files: a pointer to them that keeps both.
  struct Owned {
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    std::unique_ptr<TlsFiles> files;
  };
  auto owned = std::make_shared<Owned>(
      Owned{grpc::experimental::TlsCredentials(options), *std::move(files)});
  return std::shared_ptr<grpc::ChannelCredentials>(owned, owned->credentials.get());
}

std::shared_ptr<grpc::Channel> DialService(
    const std::string& address, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const Keepalive& keepalive) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(keepalive.time)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
              static_cast<int>(absl::ToInt64Milliseconds(keepalive.timeout)));
  // gRPC stops pinging after two pings without data by default: an idle watch sends none.
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // A name that resolves to several replicas (dns:///segmentd:50051 over a headless Kubernetes
  // Service) gets a connection to each and the calls in turn; gRPC's default would send them
  // all to the first. Servers age connections out (--max_connection_age_seconds), so the name
  // is resolved again and replicas added later are used too.
  args.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(address, credentials, args);
}

OutgoingCall::OutgoingCall(std::string callee, std::string service_token)
    : callee_(std::move(callee)), authorization_(absl::StrCat("Bearer ", service_token)) {}

void OutgoingCall::Prepare(grpc::ClientContext& context, absl::Time deadline) const {
  context.set_deadline(absl::ToChronoTime(deadline));
  context.AddMetadata("authorization", authorization_);
}

absl::Status OutgoingCall::Failed(const grpc::Status& status) const {
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return errors::FromGrpcStatus(status);
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      log::Error("a service refused this service's credentials",
                 {{"callee", callee_}, {"error", status.error_message()}});
      return errors::Internal(absl::StrCat("this service is not authorized to call the ", callee_,
                                           " service; check its service token"));
    default:
      return errors::Unavailable(absl::StrCat("the ", callee_, " service is unavailable (",
                                              status.error_message(),
                                              "); nothing was changed, retry later"));
  }
}

}  // namespace throughline::server
