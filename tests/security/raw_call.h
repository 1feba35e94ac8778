// Calls any RPC of the suite by its method descriptor with serialized bytes, the way a generic
// client (grpcurl, a proxy, a hostile peer) would: the request need not be a valid message of
// the method's type, so tests can send invalid UTF-8 or oversized payloads the typed stubs
// refuse to build.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace throughline::security::testing {

// What one call returned: the final status and every response message, serialized.
struct RawResult {
  grpc::Status status;
  std::vector<std::string> responses;
  // A server-streaming call whose first message arrived: the stream was then cancelled by the
  // client, so `status` is CANCELLED and says nothing about the server.
  bool stream_started = false;
};

// "/throughline.segment.v1.SegmentService/GetMarket".
std::string MethodPath(const google::protobuf::MethodDescriptor& method);

// Whether a stream has delivered enough: called with every message received so far.
using EnoughMessages = std::function<bool(const std::vector<std::string>& responses)>;

// Calls `method` on `channel` with `request_bytes` and an "authorization: Bearer <token>"
// header when `token` is not empty. A server-streaming call is read until `enough` (by
// default: its first message), then cancelled, or until it ends; `timeout` bounds the call.
RawResult CallRaw(grpc::Channel& channel, const google::protobuf::MethodDescriptor& method,
                  const std::string& request_bytes, std::string_view token,
                  absl::Duration timeout = absl::Seconds(10), const EnoughMessages& enough = {});

// CallRaw with `request` serialized.
RawResult Call(grpc::Channel& channel, const google::protobuf::MethodDescriptor& method,
               const google::protobuf::Message& request, std::string_view token,
               absl::Duration timeout = absl::Seconds(10), const EnoughMessages& enough = {});

// An empty message of the method's request type.
std::unique_ptr<google::protobuf::Message> NewRequest(
    const google::protobuf::MethodDescriptor& method);

// `response` parsed as the method's response type; null when it does not parse.
std::unique_ptr<google::protobuf::Message> ParseResponse(
    const google::protobuf::MethodDescriptor& method, const std::string& response);

}  // namespace throughline::security::testing
