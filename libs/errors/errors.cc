#include "libs/errors/errors.h"

#include <algorithm>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace throughline::errors {
namespace {

absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string ToStd(absl::string_view s) { return std::string(s.data(), s.size()); }

// Builds a non-OK status with an ErrorInfo, the detail every Throughline error carries.
absl::Status Make(absl::StatusCode code, std::string_view message, std::string_view reason,
                  std::map<std::string, std::string> metadata = {}) {
  return WithErrorInfo(absl::Status(code, ToAbsl(message)), reason, std::move(metadata));
}

template <typename Detail>
std::optional<Detail> GetDetail(const absl::Status& status) {
  // absl::optional, which is not std::optional in this Abseil build.
  auto payload = status.GetPayload(TypeUrl(Detail::default_instance()));
  if (!payload.has_value()) return std::nullopt;
  Detail detail;
  if (!detail.ParseFromString(std::string(*payload))) return std::nullopt;
  return detail;
}

std::string CodeName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);
  return name.empty() ? "UNKNOWN" : name;
}

}  // namespace

std::string Quote(std::string_view value) {
  constexpr size_t kMaxQuoted = 200;
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < kMaxQuoted; ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += value.size() > kMaxQuoted ? "\"..." : "\"";
  return out;
}

std::string TypeUrl(const google::protobuf::Message& message) {
  return absl::StrCat(ToAbsl(kTypeUrlPrefix), message.GetDescriptor()->full_name());
}

void SetDetail(absl::Status& status, const google::protobuf::Message& detail) {
  status.SetPayload(TypeUrl(detail), absl::Cord(detail.SerializeAsString()));
}

absl::Status InvalidArgument(std::vector<FieldViolation> violations) {
  std::string message = "invalid request";
  google::rpc::BadRequest bad_request;
  for (size_t i = 0; i < violations.size(); ++i) {
    const FieldViolation& v = violations[i];
    absl::StrAppend(&message, i == 0 ? ": " : "; ");
    if (!v.field.empty()) absl::StrAppend(&message, v.field, ": ");
    absl::StrAppend(&message, v.description);
    google::rpc::BadRequest::FieldViolation* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  absl::Status status = Make(absl::StatusCode::kInvalidArgument, message, "INVALID_ARGUMENT");
  SetDetail(status, bad_request);
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  return InvalidArgument({FieldViolation{std::move(field), std::move(description)}});
}

void Violations::Add(std::string field, std::string description) {
  violations_.push_back(FieldViolation{std::move(field), std::move(description)});
}

void Violations::AddStatus(const absl::Status& status, std::string_view field) {
  if (status.ok()) return;
  std::optional<google::rpc::BadRequest> bad_request = GetBadRequest(status);
  if (bad_request.has_value() && bad_request->field_violations_size() > 0) {
    for (const auto& v : bad_request->field_violations()) Add(v.field(), v.description());
    return;
  }
  Add(std::string(field), ToStd(status.message()));
}

absl::Status Violations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  return InvalidArgument(violations_);
}

absl::Status NotFound(std::string_view resource_type, std::string_view name) {
  absl::Status status = Make(absl::StatusCode::kNotFound,
                             absl::StrCat(ToAbsl(resource_type), " ", Quote(name), " not found"),
                             "NOT_FOUND", {{"resource", std::string(name)}});
  google::rpc::ResourceInfo info;
  info.set_resource_type(std::string(resource_type));
  info.set_resource_name(std::string(name));
  info.set_description("not found");
  SetDetail(status, info);
  return status;
}

absl::Status AlreadyExists(std::string_view resource_type, std::string_view name) {
  absl::Status status =
      Make(absl::StatusCode::kAlreadyExists,
           absl::StrCat(ToAbsl(resource_type), " ", Quote(name), " already exists"),
           "ALREADY_EXISTS", {{"resource", std::string(name)}});
  google::rpc::ResourceInfo info;
  info.set_resource_type(std::string(resource_type));
  info.set_resource_name(std::string(name));
  info.set_description("already exists");
  SetDetail(status, info);
  return status;
}

absl::Status EtagMismatch(std::string_view name) {
  absl::Status status =
      Make(absl::StatusCode::kAborted,
           absl::StrCat(Quote(name),
                        " changed since it was read (etag mismatch): get it again and retry "
                        "with the new etag"),
           "ETAG_MISMATCH", {{"resource", std::string(name)}});
  google::rpc::PreconditionFailure failure;
  google::rpc::PreconditionFailure::Violation* v = failure.add_violations();
  v->set_type("ETAG");
  v->set_subject(std::string(name));
  v->set_description("the etag does not match the current version of the resource");
  SetDetail(status, failure);
  return status;
}

absl::Status FailedPrecondition(std::string_view reason, std::string_view subject,
                                std::string_view description) {
  absl::Status status = Make(absl::StatusCode::kFailedPrecondition, description, reason,
                             {{"subject", std::string(subject)}});
  google::rpc::PreconditionFailure failure;
  google::rpc::PreconditionFailure::Violation* v = failure.add_violations();
  v->set_type(std::string(reason));
  v->set_subject(std::string(subject));
  v->set_description(std::string(description));
  SetDetail(status, failure);
  return status;
}

absl::Status PermissionDenied(std::string_view reason, std::string_view message) {
  return Make(absl::StatusCode::kPermissionDenied, message, reason);
}

absl::Status Unauthenticated(std::string_view message) {
  return Make(absl::StatusCode::kUnauthenticated, message, "UNAUTHENTICATED");
}

absl::Status Unavailable(std::string_view message) {
  return Make(absl::StatusCode::kUnavailable, message, "UNAVAILABLE");
}

absl::Status ResourceExhausted(std::string_view reason, std::string_view message) {
  return Make(absl::StatusCode::kResourceExhausted, message, reason);
}

absl::Status DeadlineExceeded(std::string_view message) {
  return Make(absl::StatusCode::kDeadlineExceeded, message, "DEADLINE_EXCEEDED");
}

absl::Status Internal(std::string_view message) {
  return Make(absl::StatusCode::kInternal, message, "INTERNAL");
}

absl::Status WithErrorInfo(absl::Status status, std::string_view reason,
                           std::map<std::string, std::string> metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kDomain));
  for (auto& [key, value] : metadata) (*info.mutable_metadata())[key] = std::move(value);
  SetDetail(status, info);
  return status;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;

  const std::string error_info_url = TypeUrl(google::rpc::ErrorInfo::default_instance());
  std::vector<std::pair<std::string, std::string>> payloads;
  bool has_error_info = false;
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    // Only detail messages become Anys; other payloads are internal to the process.
    if (!absl::StartsWith(type_url, ToAbsl(kTypeUrlPrefix))) return;
    if (type_url == error_info_url) has_error_info = true;
    payloads.emplace_back(ToStd(type_url), std::string(payload));
  });
  if (!has_error_info) {
    google::rpc::ErrorInfo info;
    info.set_reason(CodeName(status.code()));
    info.set_domain(std::string(kDomain));
    payloads.emplace_back(error_info_url, info.SerializeAsString());
  }
  // absl visits payloads in no fixed order; a stable order (ErrorInfo first) keeps the wire
  // bytes reproducible and puts the reason where clients look first.
  std::sort(payloads.begin(), payloads.end(), [&](const auto& a, const auto& b) {
    const bool a_info = a.first == error_info_url;
    const bool b_info = b.first == error_info_url;
    if (a_info != b_info) return a_info;
    return a.first < b.first;
  });

  google::rpc::Status proto;
  proto.set_code(static_cast<int32_t>(status.code()));
  proto.set_message(ToStd(status.message()));
  for (auto& [type_url, value] : payloads) {
    google::protobuf::Any* any = proto.add_details();
    any->set_type_url(std::move(type_url));
    any->set_value(std::move(value));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), proto.message(),
                      proto.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status proto;
  if (!status.error_details().empty() && proto.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : proto.details()) {
      result.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return result;
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  return GetDetail<google::rpc::ErrorInfo>(status);
}

std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status) {
  return GetDetail<google::rpc::BadRequest>(status);
}

std::optional<google::rpc::ResourceInfo> GetResourceInfo(const absl::Status& status) {
  return GetDetail<google::rpc::ResourceInfo>(status);
}

std::optional<google::rpc::PreconditionFailure> GetPreconditionFailure(const absl::Status& status) {
  return GetDetail<google::rpc::PreconditionFailure>(status);
}

std::string GetReason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  return info.has_value() ? info->reason() : std::string();
}

google::rpc::Status DecodeDetails(const grpc::Status& status) {
  google::rpc::Status proto;
  if (status.error_details().empty() || !proto.ParseFromString(status.error_details())) {
    proto.Clear();
  }
  // The gRPC status is authoritative for code and message: proxies may rewrite the details.
  proto.set_code(static_cast<int32_t>(status.error_code()));
  proto.set_message(status.error_message());
  return proto;
}

}  // namespace throughline::errors
