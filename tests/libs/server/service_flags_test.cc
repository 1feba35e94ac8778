// The flags every service binary has, as its command line and environment give them, and the
// server options they become (ServerOptionsFrom).
#include "libs/server/service_flags.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace throughline::server {
namespace {

// Parses `args` (after the program name) as a service binary would; whether CLI11 accepted
// them.
bool Parse(ServiceFlags& flags, std::vector<std::string> args) {
  CLI::App app("test");
  AddServiceFlags(app, flags, "127.0.0.1:50051", "127.0.0.1:9101");
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
    return true;
  } catch (const CLI::ParseError&) {
    return false;
  }
}

TEST(ServiceFlagsTest, ConnectionsAreNotAgedOutUnlessAsked) {
  ServiceFlags flags;
  ASSERT_TRUE(Parse(flags, {}));
  EXPECT_EQ(ServerOptionsFrom(flags, "s").max_connection_age, absl::ZeroDuration());
}

TEST(ServiceFlagsTest, TheMaxConnectionAgeReachesTheServerOptions) {
  ServiceFlags flags;
  ASSERT_TRUE(Parse(flags, {"--max_connection_age_seconds", "300", "--max_concurrent_streams", "50",
                            "--shutdown_grace_seconds", "7"}));
  const ServerOptions options = ServerOptionsFrom(flags, "s");
  EXPECT_EQ(options.max_connection_age, absl::Seconds(300));
  EXPECT_EQ(options.max_concurrent_streams, 50);
  EXPECT_EQ(options.shutdown_grace, absl::Seconds(7));
  EXPECT_EQ(options.listen, "127.0.0.1:50051");
}

TEST(ServiceFlagsTest, TheEnvironmentSetsWhatTheCommandLineDoesNot) {
  // As the Kubernetes manifests set it.
  ASSERT_EQ(setenv("THROUGHLINE_MAX_CONNECTION_AGE_SECONDS", "300", 1), 0);
  ASSERT_EQ(setenv("THROUGHLINE_LISTEN", "0.0.0.0:50051", 1), 0);
  ServiceFlags from_environment;
  const bool parsed = Parse(from_environment, {});
  ServiceFlags flag_wins;
  const bool parsed_with_flag = Parse(flag_wins, {"--max_connection_age_seconds", "60"});
  unsetenv("THROUGHLINE_MAX_CONNECTION_AGE_SECONDS");
  unsetenv("THROUGHLINE_LISTEN");
  ASSERT_TRUE(parsed);
  ASSERT_TRUE(parsed_with_flag);
  EXPECT_EQ(ServerOptionsFrom(from_environment, "s").max_connection_age, absl::Seconds(300));
  EXPECT_EQ(from_environment.listen, "0.0.0.0:50051");
  EXPECT_EQ(ServerOptionsFrom(flag_wins, "s").max_connection_age, absl::Seconds(60));
}

TEST(ServiceFlagsTest, AnAgeOutsideItsRangeIsRefused) {
  for (const char* age : {"-1", "2000001", "soon"}) {
    ServiceFlags flags;
    EXPECT_FALSE(Parse(flags, {"--max_connection_age_seconds", age})) << age;
  }
}

// An integer flag's default, a value the command line sets, and values it refuses.
void ExpectIntegerFlag(const std::string& flag, int ServiceFlags::*field, int default_value,
                       int valid, const std::vector<std::string>& refused) {
  ServiceFlags defaults;
  ASSERT_TRUE(Parse(defaults, {}));
  EXPECT_EQ(defaults.*field, default_value) << flag;
  ServiceFlags set;
  ASSERT_TRUE(Parse(set, {flag, std::to_string(valid)})) << flag;
  EXPECT_EQ(set.*field, valid) << flag;
  for (const std::string& value : refused) {
    ServiceFlags flags;
    EXPECT_FALSE(Parse(flags, {flag, value})) << flag << " " << value;
  }
}

TEST(ServiceFlagsTest, TheTokensFileIsReadAgainEveryTenSecondsUnlessSet) {
  ExpectIntegerFlag("--tokens_reload_seconds", &ServiceFlags::tokens_reload_seconds, 10, 1,
                    {"0", "86401", "often"});
}

TEST(ServiceFlagsTest, TheReadReplicaMayLagThirtySecondsUnlessSet) {
  ExpectIntegerFlag("--max_read_lag_seconds", &ServiceFlags::max_read_lag_seconds, 30, 0,
                    {"-1", "86401", "little"});
}

// What a reading of the tokens file becomes (at start and at every reload): its tokens, with
// the development token on top under --dev_token; a bad line or no token at all is an error
// naming the file, never a token.
TEST(ServiceFlagsTest, TheTokensFileReadsAsItsTokensAndTheDevelopmentToken) {
  ServiceFlags flags;
  flags.tokens_file = "/etc/throughline/tokens";
  flags.dev_token = true;
  auto both = AuthenticatorOf(flags, "s3cret acme ada@acme.example admin\n");
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->size(), 2u);
  EXPECT_TRUE(both->Authenticate("Bearer s3cret").ok());
  EXPECT_EQ(both->Authenticate("Bearer dev-token").value(), auth::DevelopmentPrincipal());

  flags.dev_token = false;
  auto none = AuthenticatorOf(flags, "# nobody\n");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().ToString().find("--tokens_file"), std::string::npos) << none.status();
  auto bad = AuthenticatorOf(flags, "s3cret acme ada@acme.example overlord\n");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("/etc/throughline/tokens"), std::string::npos);
  EXPECT_NE(bad.status().message().find("line 1"), std::string::npos) << bad.status();
  EXPECT_EQ(bad.status().message().find("s3cret"), std::string::npos) << bad.status();
}

}  // namespace
}  // namespace throughline::server
