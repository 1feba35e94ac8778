// What every fuzz target checks besides "no crash, no sanitizer report": the errors a client
// would receive are well-formed.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/stubs/logging.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/errors/errors.h"

// Aborts (a crash for libFuzzer, which then saves the input) when `condition` is false.
#define FUZZ_CHECK(condition)                                                       \
  do {                                                                              \
    if (!(condition)) {                                                             \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                 \
    }                                                                               \
  } while (false)

namespace throughline::fuzz {

// Parsing fuzzed bytes makes libprotobuf log every string that is not UTF-8; that is expected
// (the parse fails and the input is skipped), so the log stays quiet.
inline const bool kProtobufLogsSilenced = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

inline bool IsValidUtf8(std::string_view text) { return errors::ToValidUtf8(text) == text; }

// A non-OK status as the client sees it, after errors::ToGrpcStatus: same code, a UTF-8
// message, binary details that parse as google.rpc.Status (proto3 parsing also rejects
// invalid UTF-8 in every string), an ErrorInfo in domain throughline.dev and, for
// INVALID_ARGUMENT, a BadRequest naming at least one field with a description.
inline void CheckClientError(const absl::Status& status) {
  if (status.ok()) return;
  const grpc::Status sent = errors::ToGrpcStatus(status);
  FUZZ_CHECK(static_cast<int>(sent.error_code()) == static_cast<int>(status.code()));
  FUZZ_CHECK(IsValidUtf8(sent.error_message()));
  google::rpc::Status details;
  FUZZ_CHECK(details.ParseFromString(sent.error_details()));
  FUZZ_CHECK(details.code() == static_cast<int>(status.code()));
  bool has_error_info = false;
  bool has_bad_request = false;
  for (const auto& any : details.details()) {
    if (any.Is<google::rpc::ErrorInfo>()) {
      google::rpc::ErrorInfo info;
      FUZZ_CHECK(any.UnpackTo(&info));
      FUZZ_CHECK(info.domain() == errors::kDomain && !info.reason().empty());
      has_error_info = true;
    } else if (any.Is<google::rpc::BadRequest>()) {
      google::rpc::BadRequest bad_request;
      FUZZ_CHECK(any.UnpackTo(&bad_request));
      FUZZ_CHECK(bad_request.field_violations_size() > 0);
      for (const auto& violation : bad_request.field_violations()) {
        FUZZ_CHECK(!violation.field().empty() && !violation.description().empty());
      }
      has_bad_request = true;
    }
  }
  FUZZ_CHECK(has_error_info);
  if (status.code() == absl::StatusCode::kInvalidArgument) FUZZ_CHECK(has_bad_request);
}

// The fields a status's BadRequest names, in order; empty without one.
inline std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (!details.ParseFromString(errors::ToGrpcStatus(status).error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

}  // namespace throughline::fuzz
