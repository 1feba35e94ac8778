// How the client reaches the services: their addresses, the bearer token, the call deadline
// and TLS, from flags or the environment.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

namespace throughline::cli {

// The deadline of a call when --timeout is not given.
inline constexpr double kDefaultTimeoutSeconds = 30;

struct ConnectionOptions {
  std::string segment_address = "127.0.0.1:50051";
  std::string offering_address = "127.0.0.1:50052";
  std::string alignment_address = "127.0.0.1:50053";
  std::string token;
  // Seconds; 0 means kDefaultTimeoutSeconds for calls and no deadline for watch streams.
  double timeout_seconds = 0;
  // TLS with the system's roots, or with tls_ca; mutual TLS with tls_cert and tls_key.
  bool tls = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
};

// Adds --segment-address, --offering-address, --alignment-address, --token, --timeout, --tls,
// --tls-ca, --tls-cert and --tls-key, each with its THROUGHLINE_* environment variable.
void AddConnectionOptions(CLI::App& app, ConnectionOptions& options);

// Insecure credentials, or TLS when --tls or --tls-ca is given. INVALID_ARGUMENT for an
// unreadable file or a certificate without its key.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const ConnectionOptions& options);

// OK with a token; otherwise UNAUTHENTICATED saying how to give one.
grpc::Status RequireToken(const ConnectionOptions& options);

// A call context carrying the token, with the deadline of a call (or, for a `stream`, only
// when --timeout was given).
std::unique_ptr<grpc::ClientContext> NewContext(const ConnectionOptions& options,
                                                bool stream = false);

}  // namespace throughline::cli
