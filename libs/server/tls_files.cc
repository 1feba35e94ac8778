#include "libs/server/tls_files.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"

namespace throughline::server {
namespace {

// How often gRPC reads the private copies: they change only when a reading was consistent.
constexpr unsigned int kGrpcReloadSeconds = 1;

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

using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;

// The first certificate of `pem`; null when it holds none.
Certificate FirstCertificate(const std::string& pem) {
  return Certificate(PEM_read_bio_X509(ReadOnlyBio(pem).get(), nullptr, nullptr, nullptr),
                     &X509_free);
}

// An encrypted key is refused rather than asked for on the terminal (gRPC cannot use one).
int NoPassword(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return 0; }

// Whether `key_pem` is the private key of the first certificate of `cert_pem`.
absl::Status CheckKeyPair(const std::string& cert_file, const std::string& cert_pem,
                          const std::string& key_file, const std::string& key_pem) {
  const Certificate cert = FirstCertificate(cert_pem);
  if (cert == nullptr) return NotPem(cert_file, "certificate");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(ReadOnlyBio(key_pem).get(), nullptr, NoPassword, nullptr),
      &EVP_PKEY_free);
  if (key == nullptr) {
    return errors::FailedPrecondition("FILE_INVALID", key_file,
                                      key_file + " holds no unencrypted PEM private key");
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return errors::FailedPrecondition("KEY_MISMATCH", key_file,
                                      key_file + " is not the private key of " + cert_file);
  }
  return absl::OkStatus();
}

absl::Status CheckCa(const std::string& ca_file, const std::string& ca_pem) {
  return FirstCertificate(ca_pem) == nullptr ? NotPem(ca_file, "certificate") : absl::OkStatus();
}

// Writes `content` to `path` whole: a file of this process only (0600) renamed over it, so that
// a reader sees the old content or the new, never a part.
absl::Status WriteWhole(const std::string& path, const std::string& content) {
  const std::string next = path + ".next";
  const int fd = open(next.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errors::Internal("cannot write " + next);
  const bool written =
      write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  const bool closed = close(fd) == 0;
  if (!written || !closed || std::rename(next.c_str(), path.c_str()) != 0) {
    return errors::Internal("cannot write " + path);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsFiles>> TlsFiles::Watch(const std::string& cert_file,
                                                          const std::string& key_file,
                                                          const std::string& ca_file,
                                                          int reload_seconds) {
  const char* tmp = getenv("TMPDIR");
  std::string directory =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/throughline-tls-XXXXXX");
  if (mkdtemp(directory.data()) == nullptr) {
    return errors::FailedPrecondition(
        "TLS_DIRECTORY", directory,
        "cannot make a private directory " + directory + " for the TLS files gRPC reads");
  }
  std::unique_ptr<TlsFiles> files(new TlsFiles(cert_file, key_file, ca_file, std::move(directory)));
  if (absl::Status relayed = files->Relay(); !relayed.ok()) return relayed;
  const std::string identity =
      cert_file.empty() ? "" : absl::StrCat(files->directory_, "/identity.pem");
  files->provider_ = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      /*private_key_path=*/identity, /*identity_certificate_path=*/identity,
      ca_file.empty() ? "" : absl::StrCat(files->directory_, "/ca.pem"), kGrpcReloadSeconds);
  files->reloads_ = std::make_unique<Periodic>(absl::Seconds(reload_seconds),
                                               [raw = files.get()] { raw->Reload(); });
  return files;
}

TlsFiles::TlsFiles(std::string cert_file, std::string key_file, std::string ca_file,
                   std::string directory)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      ca_file_(std::move(ca_file)),
      directory_(std::move(directory)) {}

TlsFiles::~TlsFiles() {
  reloads_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

absl::Status TlsFiles::Relay() {
  std::string identity;
  if (!cert_file_.empty()) {
    auto cert = ReadCredentialFile(cert_file_);
    if (!cert.ok()) return cert.status();
    auto key = ReadCredentialFile(key_file_);
    if (!key.ok()) return key.status();
    if (absl::Status pair = CheckKeyPair(cert_file_, *cert, key_file_, *key); !pair.ok()) {
      return pair;
    }
    // One file, so that gRPC reads the key and its certificate at once (OpenSSL takes the
    // private key's PEM block for the key, the certificates' for the chain).
    identity = absl::StrCat(*key, "\n", *cert);
  }
  std::string ca;
  if (!ca_file_.empty()) {
    auto read = ReadCredentialFile(ca_file_);
    if (!read.ok()) return read.status();
    if (absl::Status valid = CheckCa(ca_file_, *read); !valid.ok()) return valid;
    ca = *std::move(read);
  }
  if (identity != relayed_identity_) {
    if (absl::Status written = WriteWhole(directory_ + "/identity.pem", identity); !written.ok()) {
      return written;
    }
    relayed_identity_ = std::move(identity);
  }
  if (ca != relayed_ca_) {
    if (absl::Status written = WriteWhole(directory_ + "/ca.pem", ca); !written.ok()) {
      return written;
    }
    relayed_ca_ = std::move(ca);
  }
  return absl::OkStatus();
}

void TlsFiles::Reload() {
  if (absl::Status relayed = Relay(); !relayed.ok()) {
    log::Warning("TLS files not reloaded; the last consistent ones stay in use",
                 {{"error", std::string(relayed.message())}});
  }
}

}  // namespace throughline::server
