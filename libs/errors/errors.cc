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
  return WithErrorInfo(absl::Status(code, ToValidUtf8(message)), reason, std::move(metadata));
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

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t j) { return static_cast<unsigned char>(text[j]); };
  auto in = [&](size_t j, unsigned char lo, unsigned char hi) {
    return j < text.size() && byte(j) >= lo && byte(j) <= hi;
  };
  if (i >= text.size()) return 0;
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return in(i + 1, 0x80, 0xBF) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    const unsigned char lo = b == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b == 0xED ? 0x9F : 0xBF;
    return in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    const unsigned char lo = b == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b == 0xF4 ? 0x8F : 0xBF;
    return in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

std::string ToValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string Quote(std::string_view value) {
  constexpr size_t kMaxQuoted = 200;
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t i = 0;
  while (i < value.size()) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const size_t length = Utf8SequenceLength(value, i);
    if (i + std::max<size_t>(length, 1) > kMaxQuoted) break;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F || length == 0) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out.append(value.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
  out += i < value.size() ? "\"..." : "\"";
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
    out->set_field(ToValidUtf8(v.field));
    out->set_description(ToValidUtf8(v.description));
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
                             "NOT_FOUND", {{"resource", ToValidUtf8(name)}});
  google::rpc::ResourceInfo info;
  info.set_resource_type(ToValidUtf8(resource_type));
  info.set_resource_name(ToValidUtf8(name));
  info.set_description("not found");
  SetDetail(status, info);
  return status;
}

absl::Status AlreadyExists(std::string_view resource_type, std::string_view name) {
  absl::Status status =
      Make(absl::StatusCode::kAlreadyExists,
           absl::StrCat(ToAbsl(resource_type), " ", Quote(name), " already exists"),
           "ALREADY_EXISTS", {{"resource", ToValidUtf8(name)}});
  google::rpc::ResourceInfo info;
  info.set_resource_type(ToValidUtf8(resource_type));
  info.set_resource_name(ToValidUtf8(name));
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
           "ETAG_MISMATCH", {{"resource", ToValidUtf8(name)}});
  google::rpc::PreconditionFailure failure;
  google::rpc::PreconditionFailure::Violation* v = failure.add_violations();
  v->set_type("ETAG");
  v->set_subject(ToValidUtf8(name));
  v->set_description("the etag does not match the current version of the resource");
  SetDetail(status, failure);
  return status;
}

absl::Status FailedPrecondition(std::string_view reason, std::string_view subject,
                                std::string_view description) {
  absl::Status status = Make(absl::StatusCode::kFailedPrecondition, description, reason,
                             {{"subject", ToValidUtf8(subject)}});
  google::rpc::PreconditionFailure failure;
  google::rpc::PreconditionFailure::Violation* v = failure.add_violations();
  v->set_type(ToValidUtf8(reason));
  v->set_subject(ToValidUtf8(subject));
  v->set_description(ToValidUtf8(description));
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
  info.set_reason(ToValidUtf8(reason));
  info.set_domain(std::string(kDomain));
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[ToValidUtf8(key)] = ToValidUtf8(value);
  }
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
  proto.set_message(ToValidUtf8(ToStd(status.message())));
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
