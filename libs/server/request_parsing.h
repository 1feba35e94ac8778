// Requests that do not parse get INVALID_ARGUMENT naming the field, not gRPC's UNIMPLEMENTED.
//
// gRPC parses each request before any of our code runs. When protobuf refuses the bytes (above
// all a proto3 `string` field holding bytes that are not UTF-8), gRPC 1.51's callback server
// answers UNIMPLEMENTED with an empty message: the caller cannot tell its own mistake from a
// missing method. ParsesItsRequests replaces the handlers gRPC generated for a service by
// handlers that parse the same way and, for bytes protobuf refuses, answer
// INVALID_ARGUMENT with the path of the offending field ("market.display_name") instead.
// A request that parses takes gRPC's own path unchanged.
#pragma once

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/message_allocator.h>
#include <grpcpp/support/server_callback.h>

#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "libs/errors/errors.h"

namespace throughline::server {

// Why `bytes` does not parse as a `type`: INVALID_ARGUMENT naming the first string field
// (nested messages included) whose bytes are not UTF-8, or else the first message field whose
// bytes are not a message, or else the field "request" (the bytes are not a message at all).
absl::Status UnparsableRequest(const google::protobuf::Descriptor& type, std::string_view bytes);

// The bytes of `buffer`, copied into one string; empty when the caller sent no message.
std::string BufferBytes(const grpc::ByteBuffer& buffer);

namespace internal {

// Where a call's handler data says which of a handler's two paths the call took.
struct ParsedCall {
  void* handler_data = nullptr;  // the chosen inner handler's own
  bool refused = false;          // the request did not parse: answer UnparsableRequest
};

// Runs `typed` for a request that parses, `refusal` (a handler of raw bytes) for one that
// does not.
// `Messages` is the unary handler's grpc::MessageHolder, void for a streaming handler.
template <typename Typed, typename Refusal, typename Messages = void>
class ParsingHandler : public grpc::internal::MethodHandler {
 public:
  ParsingHandler(Typed typed, Refusal refusal)
      : typed_(std::move(typed)), refusal_(std::move(refusal)) {}

  void* Deserialize(grpc_call* call, grpc_byte_buffer* request, grpc::Status* status,
                    void** handler_data) override {
    auto* parsed = new (grpc_call_arena_alloc(call, sizeof(ParsedCall))) ParsedCall();
    *handler_data = parsed;
    // The typed handler destroys `request` whether it parses or not; the refusal needs the
    // bytes. The copy shares the buffer's slices (a reference each), it does not copy them.
    grpc_byte_buffer* bytes = request == nullptr ? nullptr : grpc_byte_buffer_copy(request);
    if (void* typed = typed_.Deserialize(call, request, status, &parsed->handler_data)) {
      if (bytes != nullptr) grpc_byte_buffer_destroy(bytes);
      return typed;
    }
    ReleaseTyped(parsed->handler_data);
    parsed->refused = true;
    parsed->handler_data = nullptr;
    return refusal_.Deserialize(call, bytes, status, &parsed->handler_data);  // owns `bytes`
  }

  void RunHandler(const HandlerParameter& param) override {
    const auto* parsed = static_cast<const ParsedCall*>(param.internal_data);
    const HandlerParameter inner(param.call, param.server_context, param.request, param.status,
                                 parsed->handler_data, param.call_requester);
    if (parsed->refused) {
      refusal_.RunHandler(inner);
    } else {
      typed_.RunHandler(inner);
    }
  }

 private:
  // A unary handler's Deserialize leaves its arena-allocated request and response behind when
  // the request does not parse (its RunHandler would release them); a streaming handler's
  // cleans up after itself and has no handler data.
  static void ReleaseTyped(void* handler_data) {
    if constexpr (!std::is_void_v<Messages>) {
      if (handler_data != nullptr) static_cast<Messages*>(handler_data)->Release();
    }
  }

  Typed typed_;
  Refusal refusal_;
};

// A server stream that ends at once with `status`.
class RefusedStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit RefusedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace internal

// A generated callback service (`Service` = e.g. v1::SegmentService::CallbackService) whose
// requests that do not parse are answered INVALID_ARGUMENT (UnparsableRequest). The derived
// service calls ParseRequests in its constructor with every method, in the order of the
// .proto; the count, the order and the request types are checked against the service's
// descriptor, so a method added to the .proto and not here stops the service at start.
template <typename Service>
class ParsesItsRequests : public Service {
 protected:
  template <typename Self, typename... Methods>
  void ParseRequests(Self* self, std::string_view service_full_name, Methods... methods) {
    const google::protobuf::ServiceDescriptor& descriptor = Find(service_full_name);
    GPR_ASSERT(descriptor.method_count() == static_cast<int>(sizeof...(Methods)));
    int index = 0;
    (Install(self, *descriptor.method(index++), methods), ...);
  }

  // One method, by name: for a service that implements only some (the echo baseline).
  template <typename Self, typename Method>
  void ParseRequest(Self* self, std::string_view service_full_name, std::string_view name,
                    Method serve) {
    const google::protobuf::MethodDescriptor* method =
        Find(service_full_name).FindMethodByName(std::string(name));
    GPR_ASSERT(method != nullptr);
    Install(self, *method, serve);
  }

 private:
  static const google::protobuf::ServiceDescriptor& Find(std::string_view service_full_name) {
    const google::protobuf::ServiceDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            std::string(service_full_name));
    GPR_ASSERT(descriptor != nullptr);
    return *descriptor;
  }

  // `Owner` is `Self` or, for a method `Self` does not override, the generated base.
  template <typename Self, typename Owner, typename Request, typename Response>
  void Install(Self* self, const google::protobuf::MethodDescriptor& method,
               grpc::ServerUnaryReactor* (Owner::*serve)(grpc::CallbackServerContext*,
                                                         const Request*, Response*)) {
    GPR_ASSERT(method.input_type() == Request::descriptor() && !method.server_streaming());
    using Typed = grpc::internal::CallbackUnaryHandler<Request, Response>;
    using Refusal = grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>;
    this->MarkMethodCallback(
        method.index(),
        new internal::ParsingHandler<Typed, Refusal, grpc::MessageHolder<Request, Response>>(
            Typed([self, serve](grpc::CallbackServerContext* context, const Request* request,
                                Response* response) {
              return (self->*serve)(context, request, response);
            }),
            Refusal([](grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                       grpc::ByteBuffer* /*response*/) {
              grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
              reactor->Finish(errors::ToGrpcStatus(
                  UnparsableRequest(*Request::descriptor(), BufferBytes(*request))));
              return reactor;
            })));
  }

  template <typename Self, typename Owner, typename Request, typename Response>
  void Install(Self* self, const google::protobuf::MethodDescriptor& method,
               grpc::ServerWriteReactor<Response>* (Owner::*serve)(grpc::CallbackServerContext*,
                                                                   const Request*)) {
    GPR_ASSERT(method.input_type() == Request::descriptor() && method.server_streaming());
    using Typed = grpc::internal::CallbackServerStreamingHandler<Request, Response>;
    using Refusal =
        grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, grpc::ByteBuffer>;
    this->MarkMethodCallback(
        method.index(),
        new internal::ParsingHandler<Typed, Refusal>(
            Typed([self, serve](grpc::CallbackServerContext* context, const Request* request) {
              return (self->*serve)(context, request);
            }),
            Refusal([](grpc::CallbackServerContext* /*context*/, const grpc::ByteBuffer* request)
                        -> grpc::ServerWriteReactor<grpc::ByteBuffer>* {
              return new internal::RefusedStream(errors::ToGrpcStatus(
                  UnparsableRequest(*Request::descriptor(), BufferBytes(*request))));
            })));
  }
};

}  // namespace throughline::server
