// The whole command line without a server: usage errors, help and the missing token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "tools/cli/app.h"
#include "tools/cli/exit_codes.h"

namespace throughline::cli {
namespace {

using ::testing::HasSubstr;

class CliCommandLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"THROUGHLINE_TOKEN", "THROUGHLINE_ORG", "THROUGHLINE_TIMEOUT"}) {
      unsetenv(name);
    }
  }

  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    return RunCommandLine(args, out_, err_);
  }

  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliCommandLineTest, HelpListsTheCommandsAndExitCodes) {
  EXPECT_EQ(Run({"--help"}), kExitOk);
  for (const char* command :
       {"markets", "segments", "offerings", "decisions", "functions", "commitments", "coherence",
        "retarget", "status", "preview", "tasks", "watch"}) {
    EXPECT_THAT(out_.str(), HasSubstr(command));
  }
  EXPECT_THAT(out_.str(), HasSubstr("Exit codes:"));
}

TEST_F(CliCommandLineTest, AnUnknownCommandIsAUsageError) {
  EXPECT_EQ(Run({"markets", "explode"}), kExitUsage);
  EXPECT_EQ(Run({}), kExitUsage);
}

TEST_F(CliCommandLineTest, AMissingRequiredFlagIsAUsageError) {
  EXPECT_EQ(Run({"--token", "t", "retarget", "managed-postgresql", "--segment", "m/s"}),
            kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--rationale"));
}

TEST_F(CliCommandLineTest, WithoutATokenNothingIsSentAndTheErrorSaysHowToGiveOne) {
  EXPECT_EQ(Run({"markets", "get", "cloud-databases"}), kExitDenied);
  EXPECT_THAT(err_.str(), HasSubstr("error: UNAUTHENTICATED: no token"));
  EXPECT_THAT(err_.str(), HasSubstr("THROUGHLINE_TOKEN"));
  EXPECT_THAT(err_.str(), HasSubstr("dev-token"));
}

TEST_F(CliCommandLineTest, AnUpdateWithoutFieldsIsAUsageError) {
  EXPECT_EQ(Run({"--token", "t", "markets", "update", "cloud-databases"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("nothing to update"));
}

TEST_F(CliCommandLineTest, AMalformedNeedIsAUsageError) {
  EXPECT_EQ(Run({"--token", "t", "segments", "update", "cloud-databases/diy", "--need",
                 "configurability"}),
            kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--need: \"configurability\": expected"));
}

TEST_F(CliCommandLineTest, WatchTasksNeedsAnOwnerOrAFunction) {
  EXPECT_EQ(Run({"--token", "t", "watch", "tasks"}), kExitUsage);
  EXPECT_EQ(Run({"--token", "t", "watch", "tasks", "--owner", "a", "--function", "b"}), kExitUsage);
}

TEST_F(CliCommandLineTest, UnreadableTlsFilesAreAUsageError) {
  EXPECT_EQ(Run({"--token", "t", "--tls-ca", "/no/such/ca.pem", "markets", "list"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("cannot read /no/such/ca.pem"));
  EXPECT_EQ(Run({"--token", "t", "--tls-cert", "c.pem", "markets", "list"}), kExitUsage);
}

}  // namespace
}  // namespace throughline::cli
