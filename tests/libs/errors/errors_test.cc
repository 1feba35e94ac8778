#include "libs/errors/errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/cord.h"

namespace throughline::errors {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::vector<std::pair<std::string, std::string>> FieldViolationsOf(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  std::optional<google::rpc::BadRequest> bad_request = GetBadRequest(status);
  if (!bad_request.has_value()) return out;
  for (const auto& v : bad_request->field_violations())
    out.emplace_back(v.field(), v.description());
  return out;
}

TEST(ErrorsTest, InvalidArgumentListsEveryViolationInTheMessageAndTheBadRequest) {
  absl::Status status = InvalidArgument({{"segment.display_name", "must not be empty"},
                                         {"segment.needs[2].importance", "must be 1 to 5"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status),
            "invalid request: segment.display_name: must not be empty; "
            "segment.needs[2].importance: must be 1 to 5");
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(Pair("segment.display_name", "must not be empty"),
                          Pair("segment.needs[2].importance", "must be 1 to 5")));
  ASSERT_TRUE(GetErrorInfo(status).has_value());
  EXPECT_EQ(GetErrorInfo(status)->reason(), "INVALID_ARGUMENT");
  EXPECT_EQ(GetErrorInfo(status)->domain(), "throughline.dev");
}

TEST(ErrorsTest, InvalidFieldIsASingleViolation) {
  absl::Status status = InvalidField("page_size", "must not be negative");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(status), "invalid request: page_size: must not be negative");
  EXPECT_THAT(FieldViolationsOf(status), ElementsAre(Pair("page_size", "must not be negative")));
}

TEST(ErrorsTest, EmptyViolationsAreOk) {
  errors::Violations violations;
  EXPECT_TRUE(violations.empty());
  EXPECT_TRUE(violations.ToStatus().ok());
}

TEST(ErrorsTest, ViolationsReportEveryProblemInTheOrderFound) {
  errors::Violations violations;
  violations.Add("name", "name is required");
  violations.Add("segment.needs[0].importance", "must be 1 to 5");
  EXPECT_FALSE(violations.empty());
  EXPECT_EQ(violations.size(), 2u);
  absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(Pair("name", "name is required"),
                          Pair("segment.needs[0].importance", "must be 1 to 5")));
}

TEST(ErrorsTest, ViolationsAbsorbTheFieldViolationsOfAnotherStatus) {
  errors::Violations violations;
  violations.AddStatus(InvalidArgument({{"a", "bad a"}, {"b", "bad b"}}));
  violations.AddStatus(absl::OkStatus(), "ignored");
  violations.AddStatus(absl::InvalidArgumentError("plain"), "c");
  EXPECT_THAT(FieldViolationsOf(violations.ToStatus()),
              ElementsAre(Pair("a", "bad a"), Pair("b", "bad b"), Pair("c", "plain")));
}

TEST(ErrorsTest, NotFoundNamesTheResourceAndCarriesResourceInfo) {
  absl::Status status = NotFound("segment", "organizations/a/markets/m/segments/s");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(status), "segment \"organizations/a/markets/m/segments/s\" not found");
  ASSERT_TRUE(GetResourceInfo(status).has_value());
  EXPECT_EQ(GetResourceInfo(status)->resource_type(), "segment");
  EXPECT_EQ(GetResourceInfo(status)->resource_name(), "organizations/a/markets/m/segments/s");
  EXPECT_EQ(GetReason(status), "NOT_FOUND");
  EXPECT_THAT(GetErrorInfo(status)->metadata(),
              UnorderedElementsAre(Pair("resource", "organizations/a/markets/m/segments/s")));
}

TEST(ErrorsTest, AlreadyExistsNamesTheResourceAndCarriesResourceInfo) {
  absl::Status status = AlreadyExists("market", "organizations/a/markets/m");
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Message(status), "market \"organizations/a/markets/m\" already exists");
  EXPECT_EQ(GetReason(status), "ALREADY_EXISTS");
  ASSERT_TRUE(GetResourceInfo(status).has_value());
  EXPECT_EQ(GetResourceInfo(status)->resource_name(), "organizations/a/markets/m");
}

TEST(ErrorsTest, EtagMismatchTellsTheCallerToReadAgainAndRetry) {
  absl::Status status = EtagMismatch("organizations/a/markets/m");
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(Message(status),
              HasSubstr("\"organizations/a/markets/m\" changed since it was read"));
  EXPECT_THAT(Message(status), HasSubstr("get it again and retry"));
  EXPECT_EQ(GetReason(status), "ETAG_MISMATCH");
  std::optional<google::rpc::PreconditionFailure> failure = GetPreconditionFailure(status);
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).type(), "ETAG");
  EXPECT_EQ(failure->violations(0).subject(), "organizations/a/markets/m");
}

TEST(ErrorsTest, FailedPreconditionCarriesReasonSubjectAndDescription) {
  absl::Status status = FailedPrecondition("HAS_DEPENDENTS", "organizations/a/markets/m",
                                           "the market has 3 segments; delete them first");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Message(status), "the market has 3 segments; delete them first");
  EXPECT_EQ(GetReason(status), "HAS_DEPENDENTS");
  std::optional<google::rpc::PreconditionFailure> failure = GetPreconditionFailure(status);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->violations(0).type(), "HAS_DEPENDENTS");
  EXPECT_EQ(failure->violations(0).subject(), "organizations/a/markets/m");
  EXPECT_EQ(failure->violations(0).description(), "the market has 3 segments; delete them first");
}

TEST(ErrorsTest, EachConstructorSetsItsCodeReasonAndMessage) {
  struct Case {
    absl::Status status;
    absl::StatusCode code;
    std::string reason;
  };
  const Case cases[] = {
      {PermissionDenied("ROLE_TOO_LOW", "m"), absl::StatusCode::kPermissionDenied, "ROLE_TOO_LOW"},
      {Unauthenticated("m"), absl::StatusCode::kUnauthenticated, "UNAUTHENTICATED"},
      {Unavailable("m"), absl::StatusCode::kUnavailable, "UNAVAILABLE"},
      {ResourceExhausted("RATE_LIMITED", "m"), absl::StatusCode::kResourceExhausted,
       "RATE_LIMITED"},
      {DeadlineExceeded("m"), absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED"},
      {Internal("m"), absl::StatusCode::kInternal, "INTERNAL"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), c.code) << c.reason;
    EXPECT_EQ(Message(c.status), "m") << c.reason;
    ASSERT_TRUE(GetErrorInfo(c.status).has_value()) << c.reason;
    EXPECT_EQ(GetErrorInfo(c.status)->reason(), c.reason);
    EXPECT_EQ(GetErrorInfo(c.status)->domain(), kDomain);
  }
}

TEST(ErrorsTest, WithErrorInfoReplacesTheReasonAndMetadata) {
  absl::Status status = WithErrorInfo(Unavailable("database down"), "DATABASE_UNAVAILABLE",
                                      {{"database", "segments"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Message(status), "database down");
  EXPECT_EQ(GetReason(status), "DATABASE_UNAVAILABLE");
  EXPECT_THAT(GetErrorInfo(status)->metadata(), UnorderedElementsAre(Pair("database", "segments")));
}

TEST(ErrorsTest, WithErrorInfoLeavesAnOkStatusOk) {
  EXPECT_TRUE(WithErrorInfo(absl::OkStatus(), "ANYTHING").ok());
}

TEST(ErrorsTest, PlainAbslStatusHasNoDetails) {
  absl::Status status = absl::NotFoundError("x");
  EXPECT_FALSE(GetErrorInfo(status).has_value());
  EXPECT_FALSE(GetBadRequest(status).has_value());
  EXPECT_EQ(GetReason(status), "");
}

TEST(ErrorsTest, OkBecomesGrpcOk) {
  grpc::Status status = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(status.error_details().empty());
}

TEST(ErrorsTest, ToGrpcStatusKeepsCodeAndMessageAndPacksEveryDetail) {
  absl::Status status = InvalidArgument({{"filter", "unknown field \"x\""}});
  grpc::Status grpc_status = ToGrpcStatus(status);
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(grpc_status.error_message(), "invalid request: filter: unknown field \"x\"");

  google::rpc::Status details = DecodeDetails(grpc_status);
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(details.message(), grpc_status.error_message());
  ASSERT_EQ(details.details_size(), 2);
  // ErrorInfo comes first, where clients look for the reason.
  google::rpc::ErrorInfo info;
  EXPECT_EQ(details.details(0).type_url(), "type.googleapis.com/google.rpc.ErrorInfo");
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "INVALID_ARGUMENT");
  EXPECT_EQ(info.domain(), "throughline.dev");
  google::rpc::BadRequest bad_request;
  EXPECT_EQ(details.details(1).type_url(), "type.googleapis.com/google.rpc.BadRequest");
  ASSERT_TRUE(details.details(1).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "filter");
}

TEST(ErrorsTest, ToGrpcStatusNamesTheCodeAsReasonWhenNoErrorInfoWasAttached) {
  grpc::Status grpc_status = ToGrpcStatus(absl::UnavailableError("try later"));
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(grpc_status.error_message(), "try later");
  google::rpc::Status details = DecodeDetails(grpc_status);
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "UNAVAILABLE");
  EXPECT_EQ(info.domain(), "throughline.dev");
}

TEST(ErrorsTest, ToGrpcStatusLeavesOutPayloadsThatAreNotDetailMessages) {
  absl::Status status = Internal("boom");
  status.SetPayload("internal/trace", absl::Cord("secret stack"));
  google::rpc::Status details = DecodeDetails(ToGrpcStatus(status));
  ASSERT_EQ(details.details_size(), 1);
  EXPECT_EQ(details.details(0).type_url(), "type.googleapis.com/google.rpc.ErrorInfo");
}

TEST(ErrorsTest, RoundTripThroughGrpcKeepsCodeMessageAndAllDetails) {
  const absl::Status statuses[] = {
      InvalidArgument({{"a", "bad a"}, {"b", "bad b"}}),
      NotFound("segment", "organizations/a/markets/m/segments/s"),
      AlreadyExists("market", "organizations/a/markets/m"),
      EtagMismatch("organizations/a/markets/m"),
      FailedPrecondition("HAS_DEPENDENTS", "organizations/a", "has markets"),
      PermissionDenied("WRONG_ORGANIZATION", "no"),
      Unauthenticated("unknown or revoked token"),
      ResourceExhausted("RATE_LIMITED", "slow down"),
  };
  for (const absl::Status& original : statuses) {
    absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
    // absl::Status equality compares code, message and every payload.
    EXPECT_EQ(back, original) << original;
  }
}

TEST(ErrorsTest, RoundTripAddsTheDefaultErrorInfoToAPlainStatus) {
  absl::Status back = FromGrpcStatus(ToGrpcStatus(absl::DeadlineExceededError("slow")));
  EXPECT_EQ(back.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(back.message(), "slow");
  EXPECT_EQ(GetReason(back), "DEADLINE_EXCEEDED");
}

TEST(ErrorsTest, FromGrpcStatusWithoutDetailsKeepsCodeAndMessage) {
  absl::Status status = FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone"));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "gone");
  EXPECT_FALSE(GetErrorInfo(status).has_value());
}

TEST(ErrorsTest, FromGrpcStatusIgnoresDetailsThatDoNotParse) {
  absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::INTERNAL, "odd", "\xff\xff\xff not a proto"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(), "odd");
  EXPECT_FALSE(GetErrorInfo(status).has_value());
}

TEST(ErrorsTest, FromGrpcOkIsOk) { EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok()); }

TEST(ErrorsTest, DecodeDetailsWithoutDetailsStillCarriesCodeAndMessage) {
  google::rpc::Status details =
      DecodeDetails(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such thing"));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(details.message(), "no such thing");
  EXPECT_EQ(details.details_size(), 0);
}

TEST(ErrorsTest, QuoteEscapesQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(Quote("plain"), "\"plain\"");
  EXPECT_EQ(Quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\x0ad\"");
  EXPECT_EQ(Quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(ErrorsTest, QuoteEscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(Quote("a\xff"
                  "b\xc3"),
            "\"a\\xffb\\xc3\"");
}

TEST(ErrorsTest, ToValidUtf8ReplacesInvalidBytesAndKeepsValidText) {
  EXPECT_EQ(ToValidUtf8("caf\xc3\xa9 \xf0\x9f\x9a\x80"), "caf\xc3\xa9 \xf0\x9f\x9a\x80");
  EXPECT_EQ(ToValidUtf8("a\xff"
                        "b\xed\xa0\x80"),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(ErrorsTest, DetailsStayReadableWhenTheInputWasNotUtf8) {
  // proto3 strings must be UTF-8: a client would fail to parse details that are not.
  absl::Status status = InvalidField("name\xff", "bad value \xc3(");
  EXPECT_THAT(FieldViolationsOf(status),
              ElementsAre(Pair("name\xef\xbf\xbd", "bad value \xef\xbf\xbd(")));
  google::rpc::Status details = DecodeDetails(ToGrpcStatus(status));
  EXPECT_EQ(details.details_size(), 2);
  EXPECT_TRUE(GetBadRequest(FromGrpcStatus(ToGrpcStatus(status))).has_value());
  absl::Status not_found = NotFound("segment", "organizations/\xff");
  EXPECT_EQ(GetResourceInfo(not_found)->resource_name(), "organizations/\xef\xbf\xbd");
  EXPECT_EQ(not_found.message(), "segment \"organizations/\\xff\" not found");
}

TEST(ErrorsTest, QuoteCutsVeryLongValues) {
  const std::string quoted = Quote(std::string(1000, 'x'));
  EXPECT_EQ(quoted, "\"" + std::string(200, 'x') + "\"...");
  // A multi-byte character is never cut in half.
  EXPECT_EQ(Quote(std::string(199, 'x') + "\xc3\xa9"), "\"" + std::string(199, 'x') + "\"...");
}

}  // namespace
}  // namespace throughline::errors
