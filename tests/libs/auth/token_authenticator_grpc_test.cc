// Authenticate(ServerContextBase) over a real gRPC call, reading the "authorization" metadata
// the way every service does.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/auth/token_authenticator.h"
#include "libs/errors/errors.h"

namespace throughline::auth {
namespace {

// Answers with the authenticated principal's id, or the authentication error.
class WhoAmIService : public grpc::CallbackGenericService {
 public:
  explicit WhoAmIService(const TokenAuthenticator& authenticator) : authenticator_(authenticator) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(absl::StatusOr<Principal> principal) {
        if (!principal.ok()) {
          Finish(errors::ToGrpcStatus(principal.status()));
          return;
        }
        slice_ = grpc::Slice(principal->id);
        response_ = grpc::ByteBuffer(&slice_, 1);
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
      }
      void OnDone() override { delete this; }

     private:
      grpc::Slice slice_;
      grpc::ByteBuffer response_;
    };
    return new Reactor(authenticator_.Authenticate(*context));
  }

 private:
  const TokenAuthenticator& authenticator_;
};

class AuthenticateContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    authenticator_.Add("s3cret-erin", Principal{"acme", "erin@acme.example", Role::kEditor});
    service_ = std::make_unique<WhoAmIService>(authenticator_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterCallbackGenericService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }

  void TearDown() override { server_->Shutdown(); }

  // Calls the server with `authorization` values as metadata; returns the status and the
  // principal id answered.
  std::pair<grpc::Status, std::string> Call(const std::vector<std::string>& authorization) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    for (const std::string& value : authorization) context.AddMetadata("authorization", value);
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/throughline.test.v1.Test/WhoAmI", grpc::StubOptions(), &request,
                   &response, [&done](grpc::Status status) { done.set_value(std::move(status)); });
    grpc::Status status = done.get_future().get();
    std::string id;
    std::vector<grpc::Slice> slices;
    if (status.ok() && response.Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        id.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    return {status, id};
  }

  TokenAuthenticator authenticator_;
  std::unique_ptr<WhoAmIService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(AuthenticateContextTest, BearerTokenInMetadataAuthenticatesTheCall) {
  auto [status, id] = Call({"Bearer s3cret-erin"});
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(id, "erin@acme.example");
}

TEST_F(AuthenticateContextTest, CallWithoutMetadataIsUnauthenticated) {
  auto [status, id] = Call({});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(),
            "missing bearer token: send metadata \"authorization: Bearer <token>\"");
  EXPECT_EQ(errors::GetReason(errors::FromGrpcStatus(status)), "UNAUTHENTICATED");
}

TEST_F(AuthenticateContextTest, UnknownTokenInMetadataIsUnauthenticated) {
  auto [status, id] = Call({"bearer not-a-token"});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "unknown or revoked token");
}

TEST_F(AuthenticateContextTest, TwoAuthorizationValuesAreRejected) {
  auto [status, id] = Call({"Bearer s3cret-erin", "Bearer other"});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace throughline::auth
