#include "tests/security/raw_call.h"

#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/rpc_method.h>
#include <grpcpp/impl/codegen/sync_stream.h>

#include "absl/strings/str_cat.h"

namespace throughline::security::testing {
namespace {

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

}  // namespace

std::string MethodPath(const google::protobuf::MethodDescriptor& method) {
  return absl::StrCat("/", std::string(method.service()->full_name()), "/",
                      std::string(method.name()));
}

RawResult CallRaw(grpc::Channel& channel, const google::protobuf::MethodDescriptor& method,
                  const std::string& request_bytes, std::string_view token, absl::Duration timeout,
                  const EnoughMessages& enough) {
  grpc::ClientContext context;
  if (!token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", std::string(token)));
  }
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  const std::string path = MethodPath(method);
  const grpc::ByteBuffer request = ToByteBuffer(request_bytes);
  RawResult result;
  if (!method.server_streaming()) {
    const grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::ByteBuffer response;
    result.status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        &channel, rpc, &context, request, &response);
    if (result.status.ok()) result.responses.push_back(ToString(response));
    return result;
  }
  const grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING);
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(&channel, rpc, &context,
                                                                    request));
  grpc::ByteBuffer message;
  while (reader->Read(&message)) {
    result.responses.push_back(ToString(message));
    result.stream_started = true;
    // A watch stream never ends by itself: stop once the caller has what it needs.
    if (enough ? enough(result.responses) : true) {
      context.TryCancel();
      while (reader->Read(&message)) result.responses.push_back(ToString(message));
      break;
    }
  }
  result.status = reader->Finish();
  return result;
}

RawResult Call(grpc::Channel& channel, const google::protobuf::MethodDescriptor& method,
               const google::protobuf::Message& request, std::string_view token,
               absl::Duration timeout, const EnoughMessages& enough) {
  return CallRaw(channel, method, request.SerializeAsString(), token, timeout, enough);
}

std::unique_ptr<google::protobuf::Message> NewRequest(
    const google::protobuf::MethodDescriptor& method) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method.input_type())
          ->New());
}

std::unique_ptr<google::protobuf::Message> ParseResponse(
    const google::protobuf::MethodDescriptor& method, const std::string& response) {
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method.output_type())
          ->New());
  if (!message->ParseFromString(response)) return nullptr;
  return message;
}

}  // namespace throughline::security::testing
