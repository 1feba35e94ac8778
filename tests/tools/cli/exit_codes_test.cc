#include "tools/cli/exit_codes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/errors/errors.h"

namespace throughline::cli {
namespace {

using grpc::StatusCode;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(CliExitCodesTest, EachKindOfFailureHasItsExitCode) {
  EXPECT_EQ(ExitCodeFor(StatusCode::OK), 0);
  EXPECT_EQ(ExitCodeFor(StatusCode::INVALID_ARGUMENT), 2);
  EXPECT_EQ(ExitCodeFor(StatusCode::FAILED_PRECONDITION), 2);
  EXPECT_EQ(ExitCodeFor(StatusCode::OUT_OF_RANGE), 2);
  EXPECT_EQ(ExitCodeFor(StatusCode::NOT_FOUND), 3);
  EXPECT_EQ(ExitCodeFor(StatusCode::ALREADY_EXISTS), 4);
  EXPECT_EQ(ExitCodeFor(StatusCode::ABORTED), 4);
  EXPECT_EQ(ExitCodeFor(StatusCode::PERMISSION_DENIED), 5);
  EXPECT_EQ(ExitCodeFor(StatusCode::UNAUTHENTICATED), 5);
  EXPECT_EQ(ExitCodeFor(StatusCode::UNAVAILABLE), 6);
  EXPECT_EQ(ExitCodeFor(StatusCode::DEADLINE_EXCEEDED), 6);
  EXPECT_EQ(ExitCodeFor(StatusCode::RESOURCE_EXHAUSTED), 6);
  EXPECT_EQ(ExitCodeFor(StatusCode::INTERNAL), 7);
  EXPECT_EQ(ExitCodeFor(StatusCode::UNIMPLEMENTED), 7);
  EXPECT_EQ(ExitCodeFor(StatusCode::CANCELLED), 7);
}

TEST(CliExitCodesTest, AnInvalidRequestShowsEachFieldViolationAndTheReason) {
  const grpc::Status status = errors::ToGrpcStatus(
      errors::InvalidArgument({{"segment.display_name", "display_name is required"},
                               {"segment.needs[0].importance", "importance is required"}}));
  const std::string text = DescribeError(status);
  EXPECT_THAT(text, StartsWith("error: INVALID_ARGUMENT: "));
  EXPECT_THAT(text, HasSubstr("\n  segment.display_name: display_name is required\n"));
  EXPECT_THAT(text, HasSubstr("\n  segment.needs[0].importance: importance is required\n"));
  EXPECT_THAT(text, HasSubstr("\n  reason: INVALID_ARGUMENT\n"));
}

TEST(CliExitCodesTest, AStaleEtagShowsItsReason) {
  const std::string text = DescribeError(
      errors::ToGrpcStatus(errors::EtagMismatch("organizations/demo/markets/cloud-databases")));
  EXPECT_THAT(text, StartsWith("error: ABORTED: "));
  EXPECT_THAT(text, HasSubstr("  reason: ETAG_MISMATCH\n"));
}

TEST(CliExitCodesTest, AnErrorWithoutDetailsIsOneLine) {
  EXPECT_EQ(DescribeError(grpc::Status(StatusCode::UNAVAILABLE, "failed to connect")),
            "error: UNAVAILABLE: failed to connect\n");
}

TEST(CliExitCodesTest, TheHelpListsEveryExitCode) {
  const std::string help = ExitCodeHelp();
  for (const char* code : {"0  ok", "1  usage", "2  invalid", "3  NOT_FOUND", "4  conflict",
                           "5  PERMISSION_DENIED", "6  try again", "7  any other"}) {
    EXPECT_THAT(help, HasSubstr(code));
  }
}

}  // namespace
}  // namespace throughline::cli
