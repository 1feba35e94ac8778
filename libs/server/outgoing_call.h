#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace throughline::server {

// The longest wait between attempts to reconnect to another service. gRPC's default (120 s)
// would leave a caller failing for up to two minutes after a long outage of the callee ended.
inline constexpr int kMaxReconnectBackoffMs = 2000;

// How a channel to another service notices a callee that vanished without closing the
// connection (its host lost power, a partition): while calls are open it pings every `time`
// and drops the connection when a ping goes unanswered for `timeout`; its calls then end with
// UNAVAILABLE, and alignmentd's subscriptions reconnect. Without it an idle watch stream, which
// sends nothing, would wait for such a callee forever. ServerHost accepts these pings
// (ServerOptions::min_ping_interval, half of `time`).
struct Keepalive {
  absl::Duration time = absl::Seconds(20);
  absl::Duration timeout = absl::Seconds(10);
};

// How a service's channels to the other services are secured (offeringd's and alignmentd's
// --peer_tls_* flags). Plaintext while ca_file is empty. Otherwise TLS: the callee must
// present a certificate signed by ca_file for the host it is dialled by; cert_file and
// key_file, when given, are this service's client certificate, for callees that require one
// (--tls_require_client_cert).
struct PeerTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // How often the files are read again: a renewed client certificate or CA is used for the
  // connections made after that, without a restart (TlsFiles).
  int reload_seconds = 60;
};

// The channel credentials `tls` describes, its files read now, so that a bad flag stops the
// service at start: INVALID_ARGUMENT naming the flag when the files given do not make sense
// together, FAILED_PRECONDITION naming the file that cannot be read or is not valid
// (TlsFiles::Watch). With TLS the credentials read the files again while they are kept: keep
// them as long as the channels made with them (a channel does not keep them).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> PeerCredentials(const PeerTls& tls);

// A channel from one service to another at `address` (host:port, or any gRPC target such as
// dns:///segmentd:50051) with `credentials` (PeerCredentials), reconnecting after an outage
// within kMaxReconnectBackoffMs of the callee's return, with `keepalive`. Calls go round robin
// over every address the target resolves to.
std::shared_ptr<grpc::Channel> DialService(
    const std::string& address, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const Keepalive& keepalive = {});

// How a service calls another with its own service-account credentials: every call carries
// the service's bearer token and a deadline derived from the incoming call's.
class OutgoingCall {
 public:
  // `callee` names the called service in errors, e.g. "segment".
  OutgoingCall(std::string callee, std::string service_token);

  // Sets the deadline and the authorization metadata of `context`.
  void Prepare(grpc::ClientContext& context, absl::Time deadline) const;

  // The status a handler returns for a failed call: the callee's NOT_FOUND, INVALID_ARGUMENT
  // and FAILED_PRECONDITION as they are (with details); refused credentials as INTERNAL (a
  // deployment error, logged); anything else as UNAVAILABLE, saying nothing was changed.
  absl::Status Failed(const grpc::Status& status) const;

 private:
  const std::string callee_;
  const std::string authorization_;
};

}  // namespace throughline::server
