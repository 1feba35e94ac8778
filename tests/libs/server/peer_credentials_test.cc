// server::PeerCredentials: the --peer_tls_* flags of offeringd and alignmentd. A combination
// that cannot work stops the service at start with the flag named; the working combinations
// are exercised end to end in tests/reliability/tls_test.cc.
#include <gtest/gtest.h>

#include "libs/server/outgoing_call.h"

namespace throughline::server {
namespace {

TEST(PeerCredentialsTest, WithoutACaTheChannelsArePlaintext) {
  auto credentials = PeerCredentials(PeerTls{});
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_NE(*credentials, nullptr);
}

TEST(PeerCredentialsTest, ACertificateNeedsItsKeyAndAKeyItsCertificate) {
  auto no_key =
      PeerCredentials(PeerTls{.ca_file = "ca.crt", .cert_file = "client.crt", .key_file = ""});
  EXPECT_EQ(no_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_key.status().message().find("--peer_tls_key"), std::string::npos) << no_key.status();

  auto no_cert =
      PeerCredentials(PeerTls{.ca_file = "ca.crt", .cert_file = "", .key_file = "client.key"});
  EXPECT_EQ(no_cert.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_cert.status().message().find("--peer_tls_cert"), std::string::npos)
      << no_cert.status();
}

TEST(PeerCredentialsTest, AClientCertificateNeedsTheCa) {
  auto status =
      PeerCredentials(PeerTls{.ca_file = "", .cert_file = "client.crt", .key_file = "client.key"})
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("--peer_tls_ca"), std::string::npos) << status;
}

TEST(PeerCredentialsTest, AnUnreadableFileIsNamed) {
  auto status =
      PeerCredentials(
          PeerTls{.ca_file = "/nonexistent/throughline-ca.crt", .cert_file = "", .key_file = ""})
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("/nonexistent/throughline-ca.crt"), std::string::npos) << status;
}

}  // namespace
}  // namespace throughline::server
