// --max_calls_per_second over gRPC: an organization over its allowance gets RESOURCE_EXHAUSTED
// (RATE_LIMITED, with a retry delay) while another organization and service accounts, whose
// calls follow the users', are still served.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/services/segment/segment_fixture.h"

namespace throughline::segment::testing {
namespace {

constexpr char kServiceToken[] = "service-token";

class SegmentRateLimitTest : public SegmentServiceTest {
 protected:
  // A second server on the test's database allowing each organization one call per second
  // (bursts of two).
  void SetUp() override {
    SegmentServiceTest::SetUp();
    if (HasFatalFailure()) return;
    server::ServiceFlags flags;
    flags.listen = "127.0.0.1:0";
    flags.admin_listen = "";
    flags.database_url = database_url();
    flags.shutdown_grace_seconds = 1;
    flags.max_calls_per_second = 1;
    auth::TokenAuthenticator tokens;
    tokens.Add(kAcmeViewer, {"acme", "vic@acme.example", auth::Role::kViewer});
    tokens.Add(kGlobexEditor, {"globex", "gus@globex.example", auth::Role::kEditor});
    tokens.Add(kServiceToken,
               {std::string(auth::kAnyOrganization), "alignment-service", auth::Role::kService});
    auto server = SegmentServer::Start(flags, std::move(tokens));
    ASSERT_TRUE(server.ok()) << server.status();
    limited_ = *std::move(server);
    limited_stub_ = v1::SegmentService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", limited_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    limited_stub_.reset();
    limited_.reset();
    SegmentServiceTest::TearDown();
  }

  // GetMarket of a market that does not exist: NOT_FOUND once the call was admitted.
  grpc::Status Get(std::string_view token, const std::string& organization) {
    auto context = Authorized(token, absl::Seconds(10));
    v1::GetMarketRequest request;
    request.set_name(organization + "/markets/nowhere");
    v1::Market market;
    return limited_stub_->GetMarket(context.get(), request, &market);
  }

  std::unique_ptr<SegmentServer> limited_;
  std::unique_ptr<v1::SegmentService::Stub> limited_stub_;
};

TEST_F(SegmentRateLimitTest, AnOrganizationOverItsAllowanceWaitsAndTheOthersDoNot) {
  // Two calls make the burst; the third, unless a whole second passed, is refused.
  std::vector<grpc::Status> acme;
  for (int i = 0; i < 4; ++i) acme.push_back(Get(kAcmeViewer, kAcme));
  EXPECT_EQ(acme[0].error_code(), grpc::StatusCode::NOT_FOUND) << Describe(acme[0]);
  const auto refused = std::find_if(acme.begin(), acme.end(), [](const grpc::Status& status) {
    return status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  });
  ASSERT_NE(refused, acme.end());
  EXPECT_EQ(ErrorReason(*refused), "RATE_LIMITED");
  EXPECT_THAT(refused->error_message(),
              ::testing::HasSubstr("organization \"acme\" is over its 1 calls per second"));
  bool retry_delay = false;
  const google::rpc::Status details = errors::DecodeDetails(*refused);
  for (const auto& detail : details.details()) {
    google::rpc::RetryInfo retry;
    if (detail.UnpackTo(&retry)) {
      retry_delay = retry.retry_delay().seconds() > 0 || retry.retry_delay().nanos() > 0;
    }
  }
  EXPECT_TRUE(retry_delay) << "a RetryInfo with a delay";

  // Another organization, and a service account, are served meanwhile.
  EXPECT_EQ(Get(kGlobexEditor, kGlobex).error_code(), grpc::StatusCode::NOT_FOUND);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Get(kServiceToken, kAcme).error_code(), grpc::StatusCode::NOT_FOUND) << i;
  }
}

}  // namespace
}  // namespace throughline::segment::testing
