#include "tools/cli/connection.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace throughline::cli {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

void AddAddress(CLI::App& app, const std::string& service, std::string& address) {
  app.add_option(absl::StrCat("--", service, "-address"), address,
                 absl::StrCat("host:port of the ", service, " service"))
      ->envname(absl::StrCat("THROUGHLINE_", absl::AsciiStrToUpper(service), "_ADDRESS"))
      ->capture_default_str()
      ->group("Connection");
}

}  // namespace

void AddConnectionOptions(CLI::App& app, ConnectionOptions& options) {
  AddAddress(app, "segment", options.segment_address);
  AddAddress(app, "offering", options.offering_address);
  AddAddress(app, "alignment", options.alignment_address);
  app.add_option("--token", options.token,
                 "Bearer token; its organization and role decide what you may do")
      ->envname("THROUGHLINE_TOKEN")
      ->group("Connection");
  app.add_option("--timeout", options.timeout_seconds,
                 "Deadline of each call in seconds (default 30); watch runs until Ctrl-C "
                 "unless given")
      ->envname("THROUGHLINE_TIMEOUT")
      ->check(CLI::PositiveNumber)
      ->group("Connection");
  app.add_flag("--tls", options.tls, "Use TLS with the system's root certificates")
      ->envname("THROUGHLINE_TLS")
      ->group("Connection");
  app.add_option("--tls-ca", options.tls_ca, "Use TLS, trusting the CA certificates in FILE")
      ->envname("THROUGHLINE_TLS_CA")
      ->group("Connection");
  app.add_option("--tls-cert", options.tls_cert, "Client certificate FILE for mutual TLS")
      ->envname("THROUGHLINE_TLS_CERT")
      ->group("Connection");
  app.add_option("--tls-key", options.tls_key, "Client private key FILE for mutual TLS")
      ->envname("THROUGHLINE_TLS_KEY")
      ->group("Connection");
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const ConnectionOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  const bool tls = options.tls || !options.tls_ca.empty() || !options.tls_cert.empty();
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  for (auto [path, pem] : {std::pair{&options.tls_ca, &ssl.pem_root_certs},
                           std::pair{&options.tls_cert, &ssl.pem_cert_chain},
                           std::pair{&options.tls_key, &ssl.pem_private_key}}) {
    if (path->empty()) continue;
    auto contents = ReadPem(*path);
    if (!contents.ok()) return contents.status();
    *pem = *std::move(contents);
  }
  return grpc::SslCredentials(ssl);
}

grpc::Status RequireToken(const ConnectionOptions& options) {
  if (!options.token.empty()) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "no token: pass --token TOKEN or set THROUGHLINE_TOKEN (the local suite "
                      "of tools/run accepts dev-token, admin of organization demo)");
}

std::unique_ptr<grpc::ClientContext> NewContext(const ConnectionOptions& options, bool stream) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", options.token));
  if (!stream || options.timeout_seconds > 0) {
    const double seconds =
        options.timeout_seconds > 0 ? options.timeout_seconds : kDefaultTimeoutSeconds;
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  }
  return context;
}

}  // namespace throughline::cli
