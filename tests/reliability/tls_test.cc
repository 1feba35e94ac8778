// TLS and mutual TLS by flag, with certificates made at test time: a client that trusts the
// right CA gets through; a client trusting another CA, a plaintext client, a server whose
// certificate expired, and (with --tls_require_client_cert) a client without a certificate,
// with one signed by another CA, or with an expired one are all refused. offeringd and
// alignmentd call the other services over mutual TLS with --peer_tls_*, and refuse a callee
// whose certificate names another host. Renewed files serve new connections without a restart
// (--tls_reload_seconds, --peer_tls_reload_seconds), and one caught halfway keeps the old pair
// serving; a key that is not the certificate's, or an encrypted one, stops the service at start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <pqxx/pqxx>

#include "tests/reliability/certificates.h"
#include "tests/reliability/reliability_fixture.h"

namespace throughline::reliability {
namespace {

using ::throughline::alignment::testing::CloudDatabases;
using ::throughline::alignment::testing::DiyPowerUsers;
using ::throughline::alignment::testing::kDiy;
using ::throughline::alignment::testing::kManagedPostgres;
using ::throughline::alignment::testing::kManagedPostgresId;
using ::throughline::alignment::testing::kMarket;
using ::throughline::alignment::testing::kMarketId;
using ::throughline::alignment::testing::kServiceToken;
using ::throughline::alignment::testing::MakeNeed;
using ::throughline::alignment::testing::ManagedPostgres;
using ::throughline::alignment::testing::Owners;
using ::throughline::alignment::testing::SuiteClients;

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

  // The flags of a server certificate for `name`, with mutual TLS requiring client
  // certificates signed by the test's CA (StartTlsSegmentd's, for the other services).
  std::vector<std::string> ServerTlsFlags(const std::string& name) {
    const Certificate server = ca_.IssueServer(name);
    return {"--tls_cert",
            WriteFile(name + ".crt", server.cert_pem),
            "--tls_key",
            WriteFile(name + ".key", server.key_pem),
            "--tls_client_ca",
            WriteFile(name + "-client-ca.crt", ca_.cert_pem()),
            "--tls_require_client_cert"};
  }

  // The flags with which `name` calls the other services over TLS, trusting the test's CA and
  // presenting a client certificate it signed.
  std::vector<std::string> PeerTlsFlags(const std::string& name) {
    const Certificate client = ca_.IssueClient(name);
    return {"--peer_tls_ca",   WriteFile(name + "-peer-ca.crt", ca_.cert_pem()),
            "--peer_tls_cert", WriteFile(name + "-peer.crt", client.cert_pem),
            "--peer_tls_key",  WriteFile(name + "-peer.key", client.key_pem)};
  }

  static void Append(std::vector<std::string>& flags, const std::vector<std::string>& more) {
    flags.insert(flags.end(), more.begin(), more.end());
  }

  // offeringd's flags, plaintext, calling `segmentd`.
  std::vector<std::string> OfferingFlags(const Service& segmentd) const {
    std::vector<std::string> flags = CommonFlags(database_->url());
    Append(flags, {"--segment_address", segmentd.address(), "--alignment_address", "",
                   "--service_token", kServiceToken});
    return flags;
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

  // The market and the segment the reference offering targets, created in `segmentd` (mutual
  // TLS) by a planning platform holding a certificate of the test's CA.
  void CreateTheTargetSegment(const Service& segmentd) {
    const Certificate platform = ca_.IssueClient("planning-platform");
    SuiteClients to_segments(segmentd.address(), segmentd.address(), segmentd.address(),
                             Trusting(ca_.cert_pem(), &platform));
    ASSERT_TRUE(to_segments.CreateMarket(kMarketId, CloudDatabases()).ok());
    ASSERT_TRUE(to_segments.CreateSegment(kMarket, "diy-power-users", DiyPowerUsers()).ok());
  }

  // Starts segmentd with `flags`, which must stop it at start, and answers its log.
  std::string LogOfAFailedStart(const std::string& name, const std::vector<std::string>& flags) {
    auto process =
        e2e::ChildProcess::Start(name, THROUGHLINE_SEGMENTD, flags, dir() + "/" + name + ".log");
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return "";
    EXPECT_TRUE((*process)->WaitForLogLines("failed to start", 1, kStartTimeout))
        << (*process)->Log();
    return (*process)->Log();
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

// The whole suite with mutual TLS on every server: offeringd reads an offering's target segment
// from segmentd, and alignmentd's subscriptions and calls reach segmentd and offeringd, all
// through --peer_tls_*. A change of the segment becomes one task per function.
TEST_F(TlsTest, TheServicesCallEachOtherOverMutualTls) {
  const Service segmentd = StartTlsSegmentd(ca_.IssueServer("segmentd"), ca_.cert_pem());
  ASSERT_NE(segmentd.port, 0);
  std::vector<std::string> offering_flags = OfferingFlags(segmentd);
  Append(offering_flags, ServerTlsFlags("offeringd"));
  Append(offering_flags, PeerTlsFlags("offeringd"));
  const Service offeringd = Spawn("offeringd", THROUGHLINE_OFFERINGD, offering_flags);
  ASSERT_NE(offeringd.port, 0);
  std::vector<std::string> alignment_flags = CommonFlags(database_->url());
  Append(alignment_flags, {"--segment_address", segmentd.address(), "--offering_address",
                           offeringd.address(), "--service_token", kServiceToken});
  Append(alignment_flags, ServerTlsFlags("alignmentd"));
  Append(alignment_flags, PeerTlsFlags("alignmentd"));
  const Service alignmentd = Spawn("alignmentd", THROUGHLINE_ALIGNMENTD, alignment_flags);
  ASSERT_NE(alignmentd.port, 0);

  const Certificate platform = ca_.IssueClient("planning-platform");
  SuiteClients clients(segmentd.address(), offeringd.address(), alignmentd.address(),
                       Trusting(ca_.cert_pem(), &platform));
  ASSERT_TRUE(clients.CreateMarket(kMarketId, CloudDatabases()).ok());
  ASSERT_TRUE(clients.CreateSegment(kMarket, "diy-power-users", DiyPowerUsers()).ok());
  // offeringd reads the target segment from segmentd to create the offering.
  auto offering = clients.CreateOffering(kManagedPostgresId, ManagedPostgres());
  ASSERT_TRUE(offering.ok()) << Describe(offering.status);

  const int64_t revision = clients
                               .SetNeeds(kDiy, {MakeNeed("configurability", type::v1::CRITICAL),
                                                MakeNeed("tuning", type::v1::LOW)})
                               .revision();
  const auto tasks = clients.WaitForTasks(
      [&](const alignment::v1::Task& task) {
        return task.offering() == kManagedPostgres && task.segment_revision() == revision;
      },
      Owners().size());
  EXPECT_EQ(tasks.size(), Owners().size());
}

// An offeringd that dials plaintext cannot reach a segmentd that serves TLS: creating an
// offering, which needs the segment, fails UNAVAILABLE and creates nothing.
TEST_F(TlsTest, APlaintextCallerCannotReachATlsService) {
  const Service segmentd = StartTlsSegmentd(ca_.IssueServer("segmentd"), ca_.cert_pem());
  ASSERT_NE(segmentd.port, 0);
  std::vector<std::string> offering_flags = OfferingFlags(segmentd);
  const Service offeringd = SpawnServing("offeringd", THROUGHLINE_OFFERINGD, offering_flags);
  ASSERT_NE(offeringd.port, 0);

  ASSERT_NO_FATAL_FAILURE(CreateTheTargetSegment(segmentd));
  SuiteClients to_offerings(segmentd.address(), offeringd.address(), offeringd.address());

  auto offering = to_offerings.CreateOffering(kManagedPostgresId, ManagedPostgres());
  EXPECT_EQ(offering.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(offering.status);
  pqxx::connection connection(database_->url());
  pqxx::read_transaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM offering.offerings")[0].as<int>(), 0);
}

// A renewed server certificate, key and client CA serve new connections without a restart
// (--tls_reload_seconds). The renewal here moves to another CA altogether, so that each
// connection tells which files served it: clients of the new CA get through once the files
// were read again, and clients of the old one no longer do.
TEST_F(TlsTest, RenewedServerFilesServeNewConnectionsWithoutARestart) {
  const Certificate first = ca_.IssueServer("segmentd");
  const std::string cert = WriteFile("renewed.crt", first.cert_pem);
  const std::string key = WriteFile("renewed.key", first.key_pem);
  const std::string client_ca = WriteFile("renewed-client-ca.crt", ca_.cert_pem());
  std::vector<std::string> flags = CommonFlags(database_->url());
  Append(flags, {"--tls_cert", cert, "--tls_key", key, "--tls_client_ca", client_ca,
                 "--tls_require_client_cert", "--tls_reload_seconds", "1"});
  const Service segmentd = Spawn("segmentd-renewed", THROUGHLINE_SEGMENTD, flags);
  ASSERT_NE(segmentd.port, 0);
  const Certificate old_client = ca_.IssueClient("planning-platform");
  const Certificate new_client = wrong_ca_.IssueClient("planning-platform");
  const grpc::Status before = Call(segmentd, Trusting(ca_.cert_pem(), &old_client));
  ASSERT_EQ(before.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(before);
  ASSERT_EQ(Call(segmentd, Trusting(wrong_ca_.cert_pem(), &new_client)).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  const Certificate renewed = wrong_ca_.IssueServer("segmentd");
  ReplaceFile(key, renewed.key_pem);
  ReplaceFile(cert, renewed.cert_pem);
  ReplaceFile(client_ca, wrong_ca_.cert_pem());
  EXPECT_TRUE(throughline::testing::WaitFor([&] {
    return Call(segmentd, Trusting(wrong_ca_.cert_pem(), &new_client)).error_code() ==
           grpc::StatusCode::NOT_FOUND;
  }));
  const grpc::Status old_ca = Call(segmentd, Trusting(ca_.cert_pem(), &old_client));
  EXPECT_EQ(old_ca.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(old_ca);
}

// A renewal caught halfway (the key replaced, the certificate not yet) is not loaded: the
// reading is refused and logged, and the old pair keeps serving every new connection until the
// certificate arrives too. (gRPC reading the files itself would load the mismatched pair and
// fail every handshake in between.)
TEST_F(TlsTest, AHalfRenewedPairKeepsTheOldOneServing) {
  const Certificate first = ca_.IssueServer("segmentd");
  const std::string cert = WriteFile("half.crt", first.cert_pem);
  const std::string key = WriteFile("half.key", first.key_pem);
  std::vector<std::string> flags = CommonFlags(database_->url());
  Append(flags, {"--tls_cert", cert, "--tls_key", key, "--tls_reload_seconds", "1"});
  const Service segmentd = Spawn("segmentd-half", THROUGHLINE_SEGMENTD, flags);
  ASSERT_NE(segmentd.port, 0);
  ASSERT_EQ(Call(segmentd, Trusting(ca_.cert_pem())).error_code(), grpc::StatusCode::NOT_FOUND);

  const Certificate renewed = wrong_ca_.IssueServer("segmentd");
  ReplaceFile(key, renewed.key_pem);
  // Two refused readings a second apart: gRPC's own watcher (every second) has had its chance
  // to load what it was given since the first.
  ASSERT_TRUE(segmentd.process->WaitForLogLines("TLS files not reloaded", 2, absl::Seconds(30)))
      << segmentd.process->Log();
  EXPECT_THAT(segmentd.process->Log(), ::testing::HasSubstr("half.key is not the private key of"));
  const grpc::Status during = Call(segmentd, Trusting(ca_.cert_pem()));
  EXPECT_EQ(during.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(during);

  ReplaceFile(cert, renewed.cert_pem);
  EXPECT_TRUE(throughline::testing::WaitFor([&] {
    return Call(segmentd, Trusting(wrong_ca_.cert_pem())).error_code() ==
           grpc::StatusCode::NOT_FOUND;
  }));
}

// offeringd's renewed client certificate is used for its next connections to segmentd without
// a restart (--peer_tls_reload_seconds). It starts with an expired one, which segmentd refuses:
// creating an offering, which reads the target segment, fails UNAVAILABLE until the renewal.
TEST_F(TlsTest, ARenewedPeerCertificateIsUsedWithoutARestart) {
  const Service segmentd = StartTlsSegmentd(ca_.IssueServer("segmentd"), ca_.cert_pem());
  ASSERT_NE(segmentd.port, 0);
  const Certificate expired = ca_.IssueClient("offeringd", Expired());
  const std::string cert = WriteFile("offeringd-renewed.crt", expired.cert_pem);
  const std::string key = WriteFile("offeringd-renewed.key", expired.key_pem);
  std::vector<std::string> flags = OfferingFlags(segmentd);
  Append(flags, {"--peer_tls_ca", WriteFile("offeringd-renewed-ca.crt", ca_.cert_pem()),
                 "--peer_tls_cert", cert, "--peer_tls_key", key, "--peer_tls_reload_seconds", "1"});
  const Service offeringd = SpawnServing("offeringd", THROUGHLINE_OFFERINGD, flags);
  ASSERT_NE(offeringd.port, 0);
  ASSERT_NO_FATAL_FAILURE(CreateTheTargetSegment(segmentd));
  SuiteClients to_offerings(segmentd.address(), offeringd.address(), offeringd.address());
  const auto refused = to_offerings.CreateOffering(kManagedPostgresId, ManagedPostgres());
  ASSERT_EQ(refused.status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(refused.status);

  const Certificate renewed = ca_.IssueClient("offeringd");
  ReplaceFile(key, renewed.key_pem);
  ReplaceFile(cert, renewed.cert_pem);
  grpc::Status last;
  EXPECT_TRUE(throughline::testing::WaitFor(
      [&] {
        last = to_offerings.CreateOffering(kManagedPostgresId, ManagedPostgres()).status;
        return last.ok();
      },
      absl::Seconds(30)))
      << Describe(last);
}

// The services check that the certificate of the service they call names the host they dial:
// a segmentd whose certificate (from the right CA) names another host is refused, so
// offeringd cannot read the segment an offering targets.
TEST_F(TlsTest, PeersRefuseACertificateThatNamesAnotherHost) {
  const Service segmentd = StartTlsSegmentd(
      ca_.IssueServer("segmentd", {}, "DNS:segmentd.elsewhere.test"), ca_.cert_pem());
  ASSERT_NE(segmentd.port, 0);
  std::vector<std::string> flags = OfferingFlags(segmentd);
  Append(flags, PeerTlsFlags("offeringd"));
  const Service offeringd = SpawnServing("offeringd", THROUGHLINE_OFFERINGD, flags);
  ASSERT_NE(offeringd.port, 0);
  SuiteClients to_offerings(segmentd.address(), offeringd.address(), offeringd.address());
  // Without a connection to segmentd the target segment is unknown: UNAVAILABLE. Connected,
  // it would be FAILED_PRECONDITION (no such segment).
  const auto offering = to_offerings.CreateOffering(kManagedPostgresId, ManagedPostgres());
  EXPECT_EQ(offering.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << Describe(offering.status);
}

// A private key that is not the certificate's stops the service at start, naming both files
// (gRPC would start and fail every handshake).
TEST_F(TlsTest, AKeyThatIsNotTheCertificatesStopsTheServiceAtStart) {
  const Certificate one = ca_.IssueServer("segmentd");
  const Certificate other = ca_.IssueServer("segmentd");
  std::vector<std::string> flags = CommonFlags(database_->url());
  Append(flags, {"--tls_cert", WriteFile("mismatched.crt", one.cert_pem), "--tls_key",
                 WriteFile("mismatched.key", other.key_pem)});
  EXPECT_THAT(LogOfAFailedStart("segmentd-mismatched", flags),
              ::testing::HasSubstr("mismatched.key is not the private key of"));
}

// An encrypted private key stops the service at start, naming the file: gRPC cannot use one,
// and a service does not ask for a password on a terminal.
TEST_F(TlsTest, AnEncryptedKeyStopsTheServiceAtStart) {
  const Certificate server = ca_.IssueServer("segmentd");
  std::vector<std::string> flags = CommonFlags(database_->url());
  Append(flags, {"--tls_cert", WriteFile("encrypted.crt", server.cert_pem), "--tls_key",
                 WriteFile("encrypted.key", EncryptedKey(server.key_pem, "secret"))});
  EXPECT_THAT(LogOfAFailedStart("segmentd-encrypted", flags),
              ::testing::HasSubstr("encrypted.key holds no unencrypted PEM private key"));
}

}  // namespace
}  // namespace throughline::reliability
