// TLS and mutual TLS by flag, with certificates made at test time: a client that trusts the
// right CA gets through; a client trusting another CA, a plaintext client, a server whose
// certificate expired, and (with --tls_require_client_cert) a client without a certificate,
// with one signed by another CA, or with an expired one are all refused.
#include <gtest/gtest.h>

#include <atomic>

#include "tests/reliability/certificates.h"
#include "tests/reliability/reliability_fixture.h"

namespace throughline::reliability {
namespace {

class TlsTest : public ReliabilityTest {
 protected:
  void SetUp() override {
    ReliabilityTest::SetUp();
    database_ = throughline::testing::TestDatabase::Create();
  }

  // segmentd with the certificate `server` and, when `client_ca` is not empty, mutual TLS
  // requiring client certificates signed by it.
  Service StartTlsSegmentd(const Certificate& server, const std::string& client_ca = "") {
    const std::string id = absl::StrCat(++servers_);
    std::vector<std::string> flags = CommonFlags(database_->url());
    const std::vector<std::string> tls = {
        "--tls_cert", WriteFile("server-" + id + ".crt", server.cert_pem), "--tls_key",
        WriteFile("server-" + id + ".key", server.key_pem)};
    flags.insert(flags.end(), tls.begin(), tls.end());
    if (!client_ca.empty()) {
      const std::vector<std::string> mutual = {"--tls_client_ca",
                                               WriteFile("client-ca-" + id + ".crt", client_ca),
                                               "--tls_require_client_cert"};
      flags.insert(flags.end(), mutual.begin(), mutual.end());
    }
    return Spawn("segmentd-tls-" + id, THROUGHLINE_SEGMENTD, flags);
  }

  // A call that needs a working connection and a valid token: GetMarket of a market that does
  // not exist answers NOT_FOUND once it reached the service. Each call gets a channel of its
  // own (local subchannel pool), so no connection is shared between credentials.
  static grpc::Status Call(const Service& service,
                           const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
    static std::atomic<int> channels{0};
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    arguments.SetInt("throughline.test.channel", ++channels);
    auto channel = grpc::CreateCustomChannel(service.address(), credentials, arguments);
    auto stub = seg::SegmentService::NewStub(channel);
    return GetMarket(*stub, "no-such-market", absl::Seconds(10));
  }

  static std::shared_ptr<grpc::ChannelCredentials> Trusting(const std::string& ca,
                                                            const Certificate* client = nullptr) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca;
    if (client != nullptr) {
      options.pem_cert_chain = client->cert_pem;
      options.pem_private_key = client->key_pem;
    }
    return grpc::SslCredentials(options);
  }

  // Validity entirely in the past.
  static Validity Expired() { return Validity{-absl::Hours(48), -absl::Hours(24)}; }

  CertificateAuthority ca_{"Throughline test CA"};
  CertificateAuthority wrong_ca_{"Some other CA"};
  std::unique_ptr<throughline::testing::TestDatabase> database_;
  int servers_ = 0;
};

TEST_F(TlsTest, ServerTlsAcceptsTrustingClientsAndRefusesTheOthers) {
  const Service segmentd = StartTlsSegmentd(ca_.IssueServer("segmentd"));
  ASSERT_NE(segmentd.port, 0);

  const grpc::Status trusted = Call(segmentd, Trusting(ca_.cert_pem()));
  EXPECT_EQ(trusted.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(trusted);

  const grpc::Status wrong_ca = Call(segmentd, Trusting(wrong_ca_.cert_pem()));
  EXPECT_EQ(wrong_ca.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(wrong_ca);

  const grpc::Status plaintext = Call(segmentd, grpc::InsecureChannelCredentials());
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(plaintext);
}

TEST_F(TlsTest, ClientsRefuseAnExpiredServerCertificate) {
  const Service segmentd = StartTlsSegmentd(ca_.IssueServer("segmentd", Expired()));
  ASSERT_NE(segmentd.port, 0);

  const grpc::Status status = Call(segmentd, Trusting(ca_.cert_pem()));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(status);
}

TEST_F(TlsTest, MutualTlsRefusesClientsWithoutAValidCertificate) {
  const Service segmentd = StartTlsSegmentd(ca_.IssueServer("segmentd"), ca_.cert_pem());
  ASSERT_NE(segmentd.port, 0);

  const Certificate client = ca_.IssueClient("offeringd");
  const grpc::Status with_certificate = Call(segmentd, Trusting(ca_.cert_pem(), &client));
  EXPECT_EQ(with_certificate.error_code(), grpc::StatusCode::NOT_FOUND)
      << Describe(with_certificate);

  const grpc::Status without_certificate = Call(segmentd, Trusting(ca_.cert_pem()));
  EXPECT_EQ(without_certificate.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(without_certificate);

  const Certificate foreign = wrong_ca_.IssueClient("intruder");
  const grpc::Status wrong_ca = Call(segmentd, Trusting(ca_.cert_pem(), &foreign));
  EXPECT_EQ(wrong_ca.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(wrong_ca);

  const Certificate expired = ca_.IssueClient("offeringd", Expired());
  const grpc::Status expired_status = Call(segmentd, Trusting(ca_.cert_pem(), &expired));
  EXPECT_EQ(expired_status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(expired_status);

  const grpc::Status plaintext = Call(segmentd, grpc::InsecureChannelCredentials());
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(plaintext);

  // The refusals left the server working for the legitimate client.
  const grpc::Status again = Call(segmentd, Trusting(ca_.cert_pem(), &client));
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(again);
}

}  // namespace
}  // namespace throughline::reliability
