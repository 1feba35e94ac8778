// The tokens file is read again while a service runs (--tokens_reload_seconds): a token added
// to it is accepted and a removed one refused without a restart; a watch stream opened with a
// removed token, or one that now names another role, ends UNAUTHENTICATED while one whose
// token stays goes on; a file with a bad
// line is refused whole and logged without its tokens, and the tokens in use stay.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/reliability/reliability_fixture.h"

namespace throughline::reliability {
namespace {

using ::throughline::alignment::testing::kAcmeEditor;
using ::throughline::alignment::testing::kAcmeViewer;
using ::throughline::alignment::testing::kCto;
using ::throughline::alignment::testing::kCtoToken;
using ::throughline::alignment::testing::TokensFile;

constexpr char kNewToken[] = "acme-new-admin-token";

class TokensReloadTest : public ReliabilityTest {
 protected:
  void SetUp() override {
    ReliabilityTest::SetUp();
    database_ = throughline::testing::TestDatabase::Create();
  }

  // segmentd reading the tokens file every second, and a stub to call it.
  Service StartSegmentd() {
    std::vector<std::string> flags = CommonFlags(database_->url());
    flags.insert(flags.end(), {"--tokens_reload_seconds", "1"});
    Service segmentd = SpawnServing("segmentd", THROUGHLINE_SEGMENTD, flags);
    if (segmentd.port != 0) {
      stub_ = seg::SegmentService::NewStub(
          grpc::CreateChannel(segmentd.address(), grpc::InsecureChannelCredentials()));
    }
    return segmentd;
  }

  // The test's tokens file without the line of `token`.
  static std::string TokensWithout(const std::string& token) {
    const std::string tokens = TokensFile();
    const size_t start = tokens.find(token + " ");
    EXPECT_NE(start, std::string::npos) << token;
    if (start == std::string::npos) return tokens;
    return tokens.substr(0, start) + tokens.substr(tokens.find('\n', start) + 1);
  }

  // GetMarket of a market that does not exist, with `token`: NOT_FOUND once past
  // authentication.
  grpc::StatusCode CallWith(const std::string& token) {
    seg::GetMarketRequest request;
    request.set_name(absl::StrCat(kAcme, "/markets/no-such-market"));
    seg::Market market;
    auto context = Authorized(token, absl::Seconds(10));
    return stub_->GetMarket(context.get(), request, &market).error_code();
  }

  // A watch of acme's segment events with `token`, until `context`'s deadline.
  std::unique_ptr<grpc::ClientReader<seg::WatchSegmentEventsResponse>> Watch(
      grpc::ClientContext& context) {
    seg::WatchSegmentEventsRequest request;
    request.set_parent(kAcme);
    return stub_->WatchSegmentEvents(&context, request);
  }

  std::unique_ptr<throughline::testing::TestDatabase> database_;
  std::unique_ptr<seg::SegmentService::Stub> stub_;
};

TEST_F(TokensReloadTest, AnAddedTokenIsAcceptedAndARemovedOneRefusedWithoutARestart) {
  const Service segmentd = StartSegmentd();
  ASSERT_NE(segmentd.port, 0);
  ASSERT_EQ(CallWith(kNewToken), grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_EQ(CallWith(kAcmeEditor), grpc::StatusCode::NOT_FOUND);

  ReplaceFile(tokens_file(), TokensWithout(kAcmeEditor) +
                                 absl::StrCat(kNewToken, " acme nia@acme.example admin\n"));

  EXPECT_TRUE(throughline::testing::WaitFor(
      [&] { return CallWith(kNewToken) == grpc::StatusCode::NOT_FOUND; }, absl::Seconds(30)));
  EXPECT_EQ(CallWith(kAcmeEditor), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CallWith(kAcmeViewer), grpc::StatusCode::NOT_FOUND);  // kept
  EXPECT_THAT(segmentd.process->Log(), ::testing::HasSubstr("tokens file reloaded"));
}

TEST_F(TokensReloadTest, AWatchOpenedWithARemovedTokenEndsAndTheOthersGoOn) {
  const Service segmentd = StartSegmentd();
  ASSERT_NE(segmentd.port, 0);
  auto revoked_context = Authorized(kAcmeViewer, absl::Seconds(60));
  auto kept_context = Authorized(kAcmeEditor, absl::Seconds(60));
  auto demoted_context = Authorized(kCtoToken, absl::Seconds(60));
  auto revoked = Watch(*revoked_context);
  auto kept = Watch(*kept_context);
  auto demoted = Watch(*demoted_context);
  // The streams are open (an event reached each) before the tokens change.
  ASSERT_TRUE(CreateMarket(*stub_, "first").ok());
  seg::WatchSegmentEventsResponse event;
  ASSERT_TRUE(revoked->Read(&event));
  ASSERT_TRUE(kept->Read(&event));
  ASSERT_TRUE(demoted->Read(&event));

  // The viewer's token goes; the CTO's stays, as a viewer's instead of an owner's.
  const std::string owner_line = absl::StrCat(kCtoToken, " acme ", kCto, " owner\n");
  std::string tokens = TokensWithout(kAcmeViewer);
  ASSERT_NE(tokens.find(owner_line), std::string::npos);
  tokens.replace(tokens.find(owner_line), owner_line.size(),
                 absl::StrCat(kCtoToken, " acme ", kCto, " viewer\n"));
  ReplaceFile(tokens_file(), tokens);

  for (auto* ending : {revoked.get(), demoted.get()}) {
    EXPECT_FALSE(ending->Read(&event)) << "the stream went on: " << event.ShortDebugString();
    const grpc::Status ended = ending->Finish();
    EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(ended);
    EXPECT_THAT(ended.error_message(), ::testing::HasSubstr("no longer accepted"));
  }
  ASSERT_TRUE(CreateMarket(*stub_, "second").ok());
  ASSERT_TRUE(kept->Read(&event));
  EXPECT_EQ(event.event().attributes().at("subject").ce_string(),
            absl::StrCat(kAcme, "/markets/second"));
  kept_context->TryCancel();
}

TEST_F(TokensReloadTest, AFileWithABadLineIsRefusedWholeAndTheTokensInUseStay) {
  const Service segmentd = StartSegmentd();
  ASSERT_NE(segmentd.port, 0);
  const std::string bad_line = absl::StrCat(kNewToken, " acme nia@acme.example superuser\n");

  ReplaceFile(tokens_file(), TokensWithout(kAcmeViewer) + bad_line);

  ASSERT_TRUE(segmentd.process->WaitForLogLines("tokens file not reloaded", 1, absl::Seconds(30)))
      << segmentd.process->Log();
  const std::string log = segmentd.process->Log();
  EXPECT_THAT(log, ::testing::HasSubstr("superuser"));
  EXPECT_THAT(log, ::testing::Not(::testing::HasSubstr(kNewToken)));
  EXPECT_EQ(CallWith(kAcmeViewer), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CallWith(kNewToken), grpc::StatusCode::UNAUTHENTICATED);

  // Mended, it is applied.
  ReplaceFile(tokens_file(), TokensWithout(kAcmeViewer));
  EXPECT_TRUE(throughline::testing::WaitFor(
      [&] { return CallWith(kAcmeViewer) == grpc::StatusCode::UNAUTHENTICATED; },
      absl::Seconds(30)));
  EXPECT_EQ(CallWith(kAcmeEditor), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace throughline::reliability
