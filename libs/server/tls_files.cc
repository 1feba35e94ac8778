#include "libs/server/tls_files.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "libs/errors/errors.h"

namespace throughline::server {
namespace {

absl::StatusOr<std::string> ReadCredentialFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errors::FailedPrecondition("FILE_UNREADABLE", path, "cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

Bio ReadOnlyBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

absl::Status NotPem(const std::string& path, const std::string& what) {
  return errors::FailedPrecondition("FILE_INVALID", path, path + " holds no PEM " + what);
}

// Whether `key_pem` is the private key of the first certificate of `cert_pem`.
absl::Status CheckKeyPair(const std::string& cert_file, const std::string& cert_pem,
                          const std::string& key_file, const std::string& key_pem) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(ReadOnlyBio(cert_pem).get(), nullptr, nullptr, nullptr), &X509_free);
  if (cert == nullptr) return NotPem(cert_file, "certificate");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(ReadOnlyBio(key_pem).get(), nullptr, nullptr, nullptr),
      &EVP_PKEY_free);
  if (key == nullptr) return NotPem(key_file, "private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return errors::FailedPrecondition("KEY_MISMATCH", key_file,
                                      key_file + " is not the private key of " + cert_file);
  }
  return absl::OkStatus();
}

absl::Status CheckCa(const std::string& ca_file, const std::string& ca_pem) {
  std::unique_ptr<X509, decltype(&X509_free)> ca(
      PEM_read_bio_X509(ReadOnlyBio(ca_pem).get(), nullptr, nullptr, nullptr), &X509_free);
  return ca == nullptr ? NotPem(ca_file, "certificate") : absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::experimental::CertificateProviderInterface>> WatchTlsFiles(
    const std::string& cert_file, const std::string& key_file, const std::string& ca_file,
    int reload_seconds) {
  if (!cert_file.empty()) {
    auto cert = ReadCredentialFile(cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadCredentialFile(key_file);
    if (!key.ok()) return key.status();
    if (absl::Status pair = CheckKeyPair(cert_file, *cert, key_file, *key); !pair.ok()) {
      return pair;
    }
  }
  if (!ca_file.empty()) {
    auto ca = ReadCredentialFile(ca_file);
    if (!ca.ok()) return ca.status();
    if (absl::Status valid = CheckCa(ca_file, *ca); !valid.ok()) return valid;
  }
  return std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      key_file, cert_file, ca_file, static_cast<unsigned int>(reload_seconds));
}

}  // namespace throughline::server
