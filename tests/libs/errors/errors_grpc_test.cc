// ToGrpcStatus over a real gRPC call: the details must survive the trailer encoding, which is
// what clients of every service rely on.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "absl/strings/str_cat.h"
#include "libs/errors/errors.h"

namespace throughline::errors {
namespace {

// Answers every call with the status it was given.
class FailingService : public grpc::CallbackGenericService {
 public:
  explicit FailingService(absl::Status status) : status_(std::move(status)) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(grpc::Status status) { Finish(std::move(status)); }
      void OnDone() override { delete this; }
    };
    return new Reactor(ToGrpcStatus(status_));
  }

 private:
  absl::Status status_;
};

grpc::Status CallOnce(const absl::Status& server_status) {
  FailingService service(server_status);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  EXPECT_NE(port, 0);

  grpc::GenericStub stub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port).c_str(),
                                             grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Slice empty_message("");
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/throughline.test.v1.Test/Fail", grpc::StubOptions(), &request,
                 &response, [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status result = done.get_future().get();
  server->Shutdown();
  return result;
}

TEST(ErrorsGrpcTest, DetailsSurviveARealGrpcCall) {
  const absl::Status original = InvalidArgument({{"name", "name is required"}});
  grpc::Status received = CallOnce(original);
  EXPECT_EQ(received.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(received.error_message(), "invalid request: name: name is required");
  EXPECT_EQ(FromGrpcStatus(received), original);
}

TEST(ErrorsGrpcTest, PlainStatusArrivesWithADefaultErrorInfo) {
  grpc::Status received = CallOnce(absl::UnavailableError("database down"));
  EXPECT_EQ(received.error_code(), grpc::StatusCode::UNAVAILABLE);
  absl::Status relayed = FromGrpcStatus(received);
  EXPECT_EQ(GetReason(relayed), "UNAVAILABLE");
  EXPECT_EQ(GetErrorInfo(relayed)->domain(), kDomain);
}

}  // namespace
}  // namespace throughline::errors
