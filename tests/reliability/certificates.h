// Test certificates made at test time with the OpenSSL C API: a CA, certificates it signs for
// a server (SAN 127.0.0.1 and localhost) or a client, and certificates whose validity lies in
// the past (expired), which the openssl command line of Debian bookworm cannot make.
#pragma once

#include <memory>
#include <string>

#include "absl/time/time.h"

namespace throughline::reliability {

// A certificate and its private key, both PEM.
struct Certificate {
  std::string cert_pem;
  std::string key_pem;
};

// Validity relative to now: [now + not_before, now + not_after].
struct Validity {
  absl::Duration not_before = -absl::Hours(1);
  absl::Duration not_after = absl::Hours(24);
};

// A self-signed certificate authority that issues end-entity certificates.
class CertificateAuthority {
 public:
  explicit CertificateAuthority(const std::string& common_name);
  ~CertificateAuthority();
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;

  // The CA's own certificate, for trust stores.
  const std::string& cert_pem() const { return self_.cert_pem; }

  // A server certificate (serverAuth) for the hosts of `alt_names` (an X.509
  // subjectAltName: 127.0.0.1 and localhost unless told).
  Certificate IssueServer(const std::string& common_name, Validity validity = {},
                          const std::string& alt_names = "IP:127.0.0.1,DNS:localhost");
  // A client certificate (clientAuth).
  Certificate IssueClient(const std::string& common_name, Validity validity = {});

 private:
  struct Impl;
  // A server certificate when `alt_names` is set, a client certificate otherwise.
  Certificate Issue(const std::string& common_name, const std::string& alt_names,
                    Validity validity);

  std::unique_ptr<Impl> impl_;
  Certificate self_;
};

// `key_pem` encrypted with `password` (PKCS#8, AES-256).
std::string EncryptedKey(const std::string& key_pem, const std::string& password);

}  // namespace throughline::reliability
