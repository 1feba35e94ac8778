#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "libs/server/periodic.h"

namespace throughline::server {

// A TLS identity (certificate chain and private key) and the CA to trust, from the operator's
// PEM files, read again every `reload_seconds`: a renewed certificate, key or CA serves every
// connection made after the next reading, without a restart.
//
// gRPC's own file watcher (FileWatcherCertificateProvider) would read the operator's files
// directly, but it takes whatever it finds: between the renewal of the key and that of the
// certificate it loads a pair that does not match, and every handshake fails until the next
// reading. So each reading here is checked first (every file PEM, the key its certificate's);
// a consistent one is handed to gRPC whole (key and certificate in one file, renamed into place
// in a private directory that gRPC's watcher reads every second), and an inconsistent one is
// logged and skipped, keeping the last good one.
//
// Keep the object as long as the credentials made with provider() are used: it stops its
// thread and removes its directory when destroyed.
class TlsFiles {
 public:
  // Reads the files now: FAILED_PRECONDITION naming the file that cannot be read, holds no PEM,
  // or the key that is not its certificate's, so that a bad flag stops the service at start.
  // `cert_file` and `key_file` are both set or both empty (no identity); `ca_file` may be empty.
  static absl::StatusOr<std::unique_ptr<TlsFiles>> Watch(const std::string& cert_file,
                                                         const std::string& key_file,
                                                         const std::string& ca_file,
                                                         int reload_seconds);
  ~TlsFiles();
  TlsFiles(const TlsFiles&) = delete;
  TlsFiles& operator=(const TlsFiles&) = delete;

  const std::shared_ptr<grpc::experimental::CertificateProviderInterface>& provider() const {
    return provider_;
  }

 private:
  TlsFiles(std::string cert_file, std::string key_file, std::string ca_file, std::string directory);
  // Reads the operator's files and, when they are consistent and changed, hands them to gRPC.
  absl::Status Relay();
  // Relay, logging a reading that is not used.
  void Reload();

  const std::string cert_file_;
  const std::string key_file_;
  const std::string ca_file_;
  const std::string directory_;   // private (0700): identity.pem, ca.pem
  std::string relayed_identity_;  // what gRPC reads now (the reload thread only)
  std::string relayed_ca_;
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider_;
  std::unique_ptr<Periodic> reloads_;
};

}  // namespace throughline::server
