#include "tests/reliability/certificates.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <stdexcept>

namespace throughline::reliability {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key NewKey() {
  Key key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  return key;
}

std::string Pem(const std::function<int(BIO*)>& write) {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(bio != nullptr && write(bio) == 1, "PEM write");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  Check(extension != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, extension, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(extension);
}

// An unsigned certificate for `key` named `common_name`, issued by `issuer` (nullptr:
// self-issued); the caller adds extensions, then signs.
Cert Make(EVP_PKEY* key, const std::string& common_name, X509* issuer, Validity validity,
          long serial) {
  Cert cert(X509_new());
  Check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  // Negative offsets put the validity in the past: that is how an expired certificate is made.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), absl::ToInt64Seconds(validity.not_before));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), absl::ToInt64Seconds(validity.not_after));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  return cert;
}

void Sign(X509* cert, EVP_PKEY* key) { Check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign"); }

}  // namespace

struct CertificateAuthority::Impl {
  Key key;
  Cert cert;
  long next_serial = 2;
};

CertificateAuthority::CertificateAuthority(const std::string& common_name)
    : impl_(std::make_unique<Impl>()) {
  impl_->key = NewKey();
  impl_->cert = Make(impl_->key.get(), common_name, nullptr,
                     Validity{-absl::Hours(1), absl::Hours(24 * 30)}, 1);
  X509* cert = impl_->cert.get();
  AddExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  Sign(cert, impl_->key.get());
  self_.cert_pem = Pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
  self_.key_pem = Pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
}

CertificateAuthority::~CertificateAuthority() = default;

Certificate CertificateAuthority::IssueServer(const std::string& common_name, Validity validity,
                                              const std::string& alt_names) {
  return Issue(common_name, alt_names, validity);
}

Certificate CertificateAuthority::IssueClient(const std::string& common_name, Validity validity) {
  return Issue(common_name, /*alt_names=*/"", validity);
}

Certificate CertificateAuthority::Issue(const std::string& common_name,
                                        const std::string& alt_names, Validity validity) {
  const bool server = !alt_names.empty();
  Key key = NewKey();
  Cert cert = Make(key.get(), common_name, impl_->cert.get(), validity, impl_->next_serial++);
  X509* issuer = impl_->cert.get();
  AddExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  AddExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  AddExtension(cert.get(), issuer, NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
  if (server) AddExtension(cert.get(), issuer, NID_subject_alt_name, alt_names.c_str());
  Sign(cert.get(), impl_->key.get());
  Certificate out;
  out.cert_pem = Pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
  out.key_pem = Pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

std::string EncryptedKey(const std::string& key_pem, const std::string& password) {
  std::unique_ptr<BIO, decltype(&BIO_free)> in(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), &BIO_free);
  Key key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  Check(key != nullptr, "PEM_read_bio_PrivateKey");
  return Pem([&](BIO* bio) {
    return PEM_write_bio_PKCS8PrivateKey(bio, key.get(), EVP_aes_256_cbc(), password.data(),
                                         static_cast<int>(password.size()), nullptr, nullptr);
  });
}

}  // namespace throughline::reliability
