#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/security/tls_certificate_provider.h"

namespace throughline::server {

// The PEM files of a TLS identity (certificate chain and private key, either may be empty for
// none) and of the CA to trust (empty for none), read again every `reload_seconds`: a renewed
// certificate, key or CA is used for every connection made after the next reload, without a
// restart. Replace each file by renaming a complete new one over it (as Kubernetes and
// cert-manager do with their symbolic links): gRPC keeps the last pair that matched while a
// file cannot be read or the certificate and key do not match, and logs why.
//
// The files are read once now as well, so that a bad flag stops the service at start:
// FAILED_PRECONDITION naming the file that cannot be read, is not PEM, or the key that does
// not match its certificate.
absl::StatusOr<std::shared_ptr<grpc::experimental::CertificateProviderInterface>> WatchTlsFiles(
    const std::string& cert_file, const std::string& key_file, const std::string& ca_file,
    int reload_seconds);

}  // namespace throughline::server
