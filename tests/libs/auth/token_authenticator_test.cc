#include "libs/auth/token_authenticator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "libs/errors/errors.h"

namespace throughline::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const Principal kErin{"acme", "erin@acme.example", Role::kEditor};
const Principal kFinn{"globex", "finn@globex.example", Role::kViewer};

constexpr std::string_view kMissing =
    "missing bearer token: send metadata \"authorization: Bearer <token>\"";
constexpr std::string_view kMalformed =
    "malformed authorization header: expected \"Bearer <token>\"";

TokenAuthenticator Authenticator() {
  TokenAuthenticator authenticator;
  authenticator.Add("s3cret-erin", kErin);
  authenticator.Add("s3cret-finn", kFinn);
  return authenticator;
}

// Writes `contents` to a fresh file under the test's temporary directory.
std::string WriteFile(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path;
}

TEST(TokenAuthenticatorTest, KnownTokenAuthenticatesAsItsPrincipal) {
  TokenAuthenticator authenticator = Authenticator();
  EXPECT_EQ(authenticator.size(), 2u);
  EXPECT_EQ(*authenticator.Authenticate("Bearer s3cret-erin"), kErin);
  EXPECT_EQ(*authenticator.Authenticate("Bearer s3cret-finn"), kFinn);
}

TEST(TokenAuthenticatorTest, BearerSchemeIsCaseInsensitive) {
  TokenAuthenticator authenticator = Authenticator();
  for (std::string_view header :
       {"bearer s3cret-erin", "BEARER s3cret-erin", "BeArEr s3cret-erin", "Bearer    s3cret-erin",
        "Bearer\ts3cret-erin", "  Bearer s3cret-erin  "}) {
    absl::StatusOr<Principal> principal = authenticator.Authenticate(header);
    ASSERT_TRUE(principal.ok()) << header << ": " << principal.status();
    EXPECT_EQ(*principal, kErin);
  }
}

TEST(TokenAuthenticatorTest, TokenItselfIsCaseSensitive) {
  absl::StatusOr<Principal> principal = Authenticator().Authenticate("Bearer S3CRET-ERIN");
  EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(TokenAuthenticatorTest, MissingTokenSaysHowToSendOne) {
  for (std::string_view header : {"", "   "}) {
    absl::StatusOr<Principal> principal = Authenticator().Authenticate(header);
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(std::string(principal.status().message()), kMissing);
    EXPECT_EQ(errors::GetReason(principal.status()), "UNAUTHENTICATED");
  }
}

TEST(TokenAuthenticatorTest, MalformedHeaderIsRejectedAsMalformed) {
  for (std::string_view header :
       {"s3cret-erin", "Bearer", "Bearer   ", "Bearers3cret-erin", "Basic czNjcmV0",
        "Token s3cret-erin", "Bearer s3cret-erin extra", "Bearer: s3cret-erin"}) {
    absl::StatusOr<Principal> principal = Authenticator().Authenticate(header);
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated) << header;
    EXPECT_EQ(std::string(principal.status().message()), kMalformed) << header;
  }
}

TEST(TokenAuthenticatorTest, UnknownTokenIsRejectedWithoutEchoingIt) {
  absl::StatusOr<Principal> principal = Authenticator().Authenticate("Bearer guessed-token");
  EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(principal.status().message(), "unknown or revoked token");
  EXPECT_THAT(principal.status().ToString(), Not(HasSubstr("guessed-token")));
}

TEST(TokenAuthenticatorTest, AddingATokenAgainReplacesItsPrincipal) {
  TokenAuthenticator authenticator = Authenticator();
  authenticator.Add("s3cret-erin", kFinn);
  EXPECT_EQ(authenticator.size(), 2u);
  EXPECT_EQ(*authenticator.Authenticate("Bearer s3cret-erin"), kFinn);
}

TEST(TokenAuthenticatorTest, CopiesAreIndependent) {
  TokenAuthenticator original = Authenticator();
  TokenAuthenticator copy = original;
  copy.Add("s3cret-new", kErin);
  EXPECT_TRUE(copy.Authenticate("Bearer s3cret-new").ok());
  EXPECT_FALSE(original.Authenticate("Bearer s3cret-new").ok());
  TokenAuthenticator moved = std::move(copy);
  EXPECT_TRUE(moved.Authenticate("Bearer s3cret-new").ok());
}

TEST(TokenAuthenticatorTest, ConcurrentCallsAllAuthenticate) {
  const TokenAuthenticator authenticator = Authenticator();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&authenticator, &failures, t] {
      for (int i = 0; i < 500; ++i) {
        const bool erin = (t + i) % 2 == 0;
        absl::StatusOr<Principal> principal =
            authenticator.Authenticate(erin ? "Bearer s3cret-erin" : "Bearer s3cret-finn");
        if (!principal.ok() || *principal != (erin ? kErin : kFinn)) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// The tokens file was read again: the next call sees the new tokens only, copies taken
// before keep theirs, and the generation tells lasting calls to check their tokens again.
TEST(TokenAuthenticatorTest, ReplacedTokensApplyFromTheNextCall) {
  TokenAuthenticator authenticator = Authenticator();
  const TokenAuthenticator before = authenticator;
  const uint64_t generation = authenticator.generation();
  auto replacement = TokenAuthenticator::FromString(
      "s3cret-erin acme erin@acme.example viewer\ns3cret-gia acme gia@acme.example editor\n",
      "tokens");
  ASSERT_TRUE(replacement.ok()) << replacement.status();

  authenticator.ReplaceTokens(*replacement);

  EXPECT_EQ(authenticator.generation(), generation + 1);
  EXPECT_EQ(authenticator.size(), 2u);
  absl::StatusOr<Principal> erin = authenticator.Authenticate("Bearer s3cret-erin");
  ASSERT_TRUE(erin.ok()) << erin.status();
  EXPECT_EQ(erin->role, Role::kViewer);
  EXPECT_TRUE(authenticator.Authenticate("Bearer s3cret-gia").ok());
  absl::StatusOr<Principal> finn = authenticator.Authenticate("Bearer s3cret-finn");
  EXPECT_EQ(finn.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(finn.status().message(), "unknown or revoked token");
  EXPECT_EQ(before.Authenticate("Bearer s3cret-finn").value(), kFinn);
  EXPECT_FALSE(before.Authenticate("Bearer s3cret-gia").ok());
}

// Calls authenticated while the tokens are replaced see the old table or the new one whole:
// a token in both is never refused.
TEST(TokenAuthenticatorTest, CallsDuringReplacementsSeeOneTableOrTheOther) {
  TokenAuthenticator authenticator = Authenticator();
  TokenAuthenticator erin_only;
  erin_only.Add("s3cret-erin", kErin);
  const TokenAuthenticator both = Authenticator();
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      while (!done.load()) {
        absl::StatusOr<Principal> principal = authenticator.Authenticate("Bearer s3cret-erin");
        if (!principal.ok() || *principal != kErin) ++failures;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) authenticator.ReplaceTokens(i % 2 == 0 ? erin_only : both);
  done = true;
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(authenticator.generation(), 2000u);
  EXPECT_TRUE(authenticator.Authenticate("Bearer s3cret-finn").ok());  // `both` came last
}

TEST(TokenAuthenticatorTest, DevelopmentTokenIsTheDemoAdminOnceAdded) {
  EXPECT_EQ(DevelopmentPrincipal(), (Principal{"demo", "dev@localhost", Role::kAdmin}));
  TokenAuthenticator authenticator;
  EXPECT_FALSE(authenticator.Authenticate("Bearer dev-token").ok());
  authenticator.Add(kDevelopmentToken, DevelopmentPrincipal());
  EXPECT_EQ(*authenticator.Authenticate("Bearer dev-token"), DevelopmentPrincipal());
}

TEST(TokenFileTest, EntriesAreReadSkippingCommentsAndBlankLines) {
  const std::string path = WriteFile("tokens_ok.txt",
                                     "# Throughline tokens\n"
                                     "\n"
                                     "s3cret-erin  acme   erin@acme.example   editor\n"
                                     "   # indented comment\n"
                                     "s3cret-finn\tglobex\tfinn@globex.example\tviewer  # Finn\n"
                                     "s3cret-align * alignment-service service\r\n"
                                     "s3cret-olga acme olga@acme.example OWNER");
  absl::StatusOr<TokenAuthenticator> authenticator = TokenAuthenticator::FromFile(path);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_EQ(authenticator->size(), 4u);
  EXPECT_EQ(*authenticator->Authenticate("Bearer s3cret-erin"), kErin);
  EXPECT_EQ(*authenticator->Authenticate("Bearer s3cret-finn"), kFinn);
  EXPECT_EQ(*authenticator->Authenticate("Bearer s3cret-align"),
            (Principal{"*", "alignment-service", Role::kService}));
  EXPECT_EQ(*authenticator->Authenticate("Bearer s3cret-olga"),
            (Principal{"acme", "olga@acme.example", Role::kOwner}));
  std::remove(path.c_str());
}

TEST(TokenFileTest, EmptyFileHasNoTokens) {
  const std::string path = WriteFile("tokens_empty.txt", "# nobody yet\n");
  absl::StatusOr<TokenAuthenticator> authenticator = TokenAuthenticator::FromFile(path);
  ASSERT_TRUE(authenticator.ok());
  EXPECT_EQ(authenticator->size(), 0u);
  std::remove(path.c_str());
}

TEST(TokenFileTest, EveryBadLineIsReportedWithTheFileAndLineNumber) {
  const std::string path = WriteFile("tokens_bad.txt",
                                     "s3cret-a acme a@acme.example editor\n"        // 1: ok
                                     "s3cret-b acme b@acme.example\n"               // 2
                                     "s3cret-c acme c@acme.example root\n"          // 3
                                     "s3cret-d * d@acme.example admin\n"            // 4
                                     "s3cret-e Acme e@acme.example viewer\n"        // 5
                                     "s3cret-a globex x@globex.example viewer\n"    // 6
                                     "s3cret-f acme f@acme.example viewer extra\n"  // 7
                                     "s3cret-g acme- g@acme.example viewer\n");     // 8
  absl::StatusOr<TokenAuthenticator> authenticator = TokenAuthenticator::FromFile(path);
  ASSERT_FALSE(authenticator.ok());
  EXPECT_EQ(authenticator.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(authenticator.status().message(),
            "tokens file \"" + path +
                "\": "
                "line 2: expected \"<token> <organization> <principal> <role>\", found 3 fields; "
                "line 3: unknown role \"root\"; roles: viewer, owner, editor, admin, service; "
                "line 4: organization \"*\" is only allowed with role service, not admin; "
                "line 5: organization \"Acme\" is not valid: it must start with a lowercase letter "
                "(IDs are lowercase); "
                "line 6: duplicate token, already defined on line 1; "
                "line 7: expected \"<token> <organization> <principal> <role>\", found 5 fields; "
                "line 8: organization \"acme-\" is not valid: it must not end with '-'");
  EXPECT_THAT(authenticator.status().message(), Not(HasSubstr("s3cret")));
  std::remove(path.c_str());
}

TEST(TokenFileTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = ::testing::TempDir() + "/no_such_tokens_file.txt";
  absl::StatusOr<TokenAuthenticator> authenticator = TokenAuthenticator::FromFile(path);
  EXPECT_EQ(authenticator.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(authenticator.status().message(), HasSubstr(path));
}

}  // namespace
}  // namespace throughline::auth
