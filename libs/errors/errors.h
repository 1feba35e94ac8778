// The error model of Throughline: absl::Status inside the code, carrying google.rpc detail
// messages (ErrorInfo, BadRequest, ResourceInfo, PreconditionFailure) as payloads, turned into
// grpc::Status with a packed google.rpc.Status at one place, the service edge.
#pragma once

#include <grpcpp/support/status.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace throughline::errors {

// The ErrorInfo domain of every error Throughline produces.
inline constexpr std::string_view kDomain = "throughline.dev";

// Payload keys are the Any type URLs of the detail messages, so that a payload becomes an Any
// without translation.
inline constexpr std::string_view kTypeUrlPrefix = "type.googleapis.com/";

// One invalid field of a request: `field` is its path ("segment.needs[2].importance"),
// `description` says why, in a sentence a person can act on.
struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT with message "invalid request: <field>: <description>; ...", a BadRequest
// with every violation and ErrorInfo reason "INVALID_ARGUMENT".
absl::Status InvalidArgument(std::vector<FieldViolation> violations);

// InvalidArgument with a single violation.
absl::Status InvalidField(std::string field, std::string description);

// Collects field violations while a request is validated, so the caller learns about every
// problem at once instead of one per round trip.
class Violations {
 public:
  void Add(std::string field, std::string description);
  // Appends the field violations of `status` (a BadRequest payload); any other non-OK status
  // becomes one violation on `field` with the status message.
  void AddStatus(const absl::Status& status, std::string_view field = {});
  bool empty() const { return violations_.empty(); }
  size_t size() const { return violations_.size(); }
  // OkStatus when empty, InvalidArgument(all violations) otherwise.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> violations_;
};

// NOT_FOUND: `segment "organizations/a/markets/m/segments/s" not found`, with ResourceInfo
// and ErrorInfo reason "NOT_FOUND".
absl::Status NotFound(std::string_view resource_type, std::string_view name);

// ALREADY_EXISTS: `segment "..." already exists`, with ResourceInfo and ErrorInfo reason
// "ALREADY_EXISTS".
absl::Status AlreadyExists(std::string_view resource_type, std::string_view name);

// ABORTED: the resource changed since the caller read it; ErrorInfo reason "ETAG_MISMATCH" and
// PreconditionFailure{type "ETAG", subject name}.
absl::Status EtagMismatch(std::string_view name);

// FAILED_PRECONDITION whose message is `description`; PreconditionFailure{type reason, subject,
// description} and ErrorInfo(reason, {"subject": subject}).
absl::Status FailedPrecondition(std::string_view reason, std::string_view subject,
                                std::string_view description);

// PERMISSION_DENIED with ErrorInfo(reason).
absl::Status PermissionDenied(std::string_view reason, std::string_view message);

// UNAUTHENTICATED with ErrorInfo reason "UNAUTHENTICATED".
absl::Status Unauthenticated(std::string_view message);

// UNAVAILABLE with ErrorInfo reason "UNAVAILABLE": the caller may retry with backoff.
absl::Status Unavailable(std::string_view message);

// RESOURCE_EXHAUSTED with ErrorInfo(reason), e.g. "RATE_LIMITED", "QUOTA_EXCEEDED".
absl::Status ResourceExhausted(std::string_view reason, std::string_view message);

// DEADLINE_EXCEEDED with ErrorInfo reason "DEADLINE_EXCEEDED".
absl::Status DeadlineExceeded(std::string_view message);

// INTERNAL with ErrorInfo reason "INTERNAL".
absl::Status Internal(std::string_view message);

// Returns `status` with its ErrorInfo (domain kDomain) set to `reason` and `metadata`, replacing
// any ErrorInfo it had. An OK status is returned unchanged.
absl::Status WithErrorInfo(absl::Status status, std::string_view reason,
                           std::map<std::string, std::string> metadata = {});

// Attaches any detail message as a payload keyed by its type URL, replacing one of the same
// type. An OK status is left unchanged (absl drops payloads of OK statuses).
void SetDetail(absl::Status& status, const google::protobuf::Message& detail);

// Quotes a caller-supplied value for an error message: `"value"` with quotes, backslashes,
// control bytes and bytes that are not valid UTF-8 escaped (\xNN), cut after 200 bytes so one
// huge input cannot bloat every error.
std::string Quote(std::string_view value);

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD. Error messages and
// details are proto3 strings, which a client refuses to parse unless they are valid UTF-8.
std::string ToValidUtf8(std::string_view text);

// Length of the valid UTF-8 sequence starting at text[i] (1 to 4), or 0 when text[i] does not
// begin one: overlong forms, surrogates and code points above U+10FFFF are invalid.
size_t Utf8SequenceLength(std::string_view text, size_t i);

// The type URL of a detail message type, e.g. "type.googleapis.com/google.rpc.BadRequest".
std::string TypeUrl(const google::protobuf::Message& message);

// The one place absl errors become gRPC: same code, same message, and binary details holding a
// serialized google.rpc.Status{code, message, details} with every detail payload. Every non-OK
// status carries an ErrorInfo; when none was attached the code's name is the reason.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse of ToGrpcStatus, keeping the details, for services that relay the errors of the
// services they call.
absl::Status FromGrpcStatus(const grpc::Status& status);

// Detail payloads of a status, when present and well-formed.
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status);
std::optional<google::rpc::ResourceInfo> GetResourceInfo(const absl::Status& status);
std::optional<google::rpc::PreconditionFailure> GetPreconditionFailure(const absl::Status& status);

// The ErrorInfo reason of a status, or "" when it has none.
std::string GetReason(const absl::Status& status);

// The google.rpc.Status packed in the binary details of a gRPC status. When there are none (or
// they do not parse) the result still carries the status code and message, without details.
google::rpc::Status DecodeDetails(const grpc::Status& status);

}  // namespace throughline::errors
