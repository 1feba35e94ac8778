#include "tools/cli/exit_codes.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "libs/errors/errors.h"

namespace throughline::cli {
namespace {

using grpc::StatusCode;

// The names of gRPC's status codes, indexed by code.
constexpr std::array<const char*, 17> kCodeNames = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

// The field and precondition violations in one packed detail message, a line each; a
// precondition that only repeats the message is left out.
std::string ViolationLines(const google::protobuf::Any& detail, const std::string& message) {
  std::string lines;
  google::rpc::BadRequest bad_request;
  google::rpc::PreconditionFailure precondition;
  if (detail.UnpackTo(&bad_request)) {
    for (const auto& violation : bad_request.field_violations()) {
      absl::StrAppend(&lines, "  ", violation.field(), ": ", violation.description(), "\n");
    }
  } else if (detail.UnpackTo(&precondition)) {
    for (const auto& violation : precondition.violations()) {
      if (violation.description() == message) continue;
      absl::StrAppend(&lines, "  ", violation.subject(), ": ", violation.description(), "\n");
    }
  }
  return lines;
}

// "  reason: ETAG_MISMATCH" when the detail is an ErrorInfo.
std::string ReasonLine(const google::protobuf::Any& detail) {
  google::rpc::ErrorInfo info;
  if (!detail.UnpackTo(&info) || info.reason().empty()) return "";
  return absl::StrCat("  reason: ", info.reason(), "\n");
}

}  // namespace

int ExitCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::OK:
      return kExitOk;
    case StatusCode::INVALID_ARGUMENT:
    case StatusCode::FAILED_PRECONDITION:
    case StatusCode::OUT_OF_RANGE:
      return kExitInvalid;
    case StatusCode::NOT_FOUND:
      return kExitNotFound;
    case StatusCode::ALREADY_EXISTS:
    case StatusCode::ABORTED:
      return kExitConflict;
    case StatusCode::PERMISSION_DENIED:
    case StatusCode::UNAUTHENTICATED:
      return kExitDenied;
    case StatusCode::UNAVAILABLE:
    case StatusCode::DEADLINE_EXCEEDED:
    case StatusCode::RESOURCE_EXHAUSTED:
      return kExitUnavailable;
    default:
      return kExitOther;
  }
}

std::string StatusCodeName(StatusCode code) {
  const auto index = static_cast<size_t>(code);
  return index < kCodeNames.size() ? kCodeNames[index] : absl::StrCat("CODE_", index);
}

std::string DescribeError(const grpc::Status& status) {
  std::string text = absl::StrCat("error: ", StatusCodeName(status.error_code()), ": ",
                                  status.error_message(), "\n");
  const google::rpc::Status decoded = errors::DecodeDetails(status);
  for (const auto& detail : decoded.details())
    absl::StrAppend(&text, ViolationLines(detail, status.error_message()));
  for (const auto& detail : decoded.details()) absl::StrAppend(&text, ReasonLine(detail));
  return text;
}

std::string ExitCodeHelp() {
  return "Exit codes:\n"
         "  0  ok\n"
         "  1  usage error (bad flags or input; nothing was sent)\n"
         "  2  invalid request: INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE\n"
         "  3  NOT_FOUND\n"
         "  4  conflict: ALREADY_EXISTS, ABORTED (a stale --etag)\n"
         "  5  PERMISSION_DENIED, UNAUTHENTICATED (also: no token given)\n"
         "  6  try again later: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED\n"
         "  7  any other error\n";
}

}  // namespace throughline::cli
