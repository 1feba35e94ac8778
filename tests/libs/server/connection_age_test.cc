// How the services' connections spread over replicas: servers age client connections out
// (ServerOptions::max_connection_age) without cutting their calls short, and DialService's
// channels send calls round robin over every address their target resolves to.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "libs/server/outgoing_call.h"
#include "libs/server/server_host.h"
#include "tests/support/grpc_await.h"

namespace throughline::server {
namespace {

using testing::Await;
using testing::Drain;
using testing::HealthRequest;
using testing::HealthWatch;

// grpc.health.v1.Health/Check of `service`: its status code (NOT_FOUND: a server that does
// not host that service).
grpc::StatusCode CheckHealth(grpc::GenericStub& stub, const std::string& service) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::CompletionQueue queue;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check",
                                    HealthRequest(service), &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  int finish;
  call->Finish(&response, &status, &finish);
  EXPECT_EQ(Await(queue, &finish, absl::Now() + absl::Seconds(15)), true);
  Drain(queue);
  return status.error_code();
}

ServerOptions TestServer(std::string name) {
  ServerOptions options;
  options.service_name = std::move(name);
  options.shutdown_grace = absl::Seconds(1);
  return options;
}

TEST(ConnectionAgeTest, AnAgedConnectionIsToldToGoAwayWhileItsWatchGoesOn) {
  ServerOptions options = TestServer("throughline.test.Aged");
  options.max_connection_age = absl::Seconds(1);
  ServerHost host(options);
  ASSERT_TRUE(host.Start().ok());
  auto channel = DialService(absl::StrCat("127.0.0.1:", host.port()),
                             grpc::InsecureChannelCredentials(), Keepalive{});
  grpc::GenericStub stub(channel);

  // A watch: grpc.health.v1.Health/Watch sends the status, then each change.
  HealthWatch watch(stub);
  ASSERT_NE(watch.call, nullptr);
  grpc::ByteBuffer response;
  int second, finish;
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);

  // The server's GOAWAY after about a second (gRPC adds ±10 % jitter) takes the connection
  // out of the channel's use: the channel leaves READY.
  EXPECT_TRUE(channel->WaitForStateChange(GRPC_CHANNEL_READY,
                                          absl::ToChronoTime(absl::Now() + absl::Seconds(15))))
      << "the connection was never aged out";
  // New calls work (over a new connection).
  EXPECT_EQ(CheckHealth(stub, ""), grpc::StatusCode::OK);

  // The watch opened on the aged connection goes on: it neither ends in the next seconds
  // (with a bounded grace, gRPC would close the aged connection and end it) ...
  watch.call->Read(&response, &second);
  EXPECT_EQ(Await(watch.queue, &second, absl::Now() + absl::Seconds(3)), std::nullopt)
      << "the watch on the aged connection ended";
  // ... and still delivers: shutting the server down turns health NOT_SERVING, which reaches it.
  std::thread shutdown([&host] { host.Shutdown(); });
  EXPECT_EQ(Await(watch.queue, &second, absl::Now() + absl::Seconds(10)), true)
      << "the watch on the aged connection went silent";
  shutdown.join();
  grpc::Status status;
  watch.call->Finish(&status, &finish);
  EXPECT_EQ(Await(watch.queue, &finish, absl::Now() + absl::Seconds(10)), true);
  Drain(watch.queue);
}

TEST(ConnectionAgeTest, ADialledNameWithSeveralAddressesSpreadsItsCallsOverThemAll) {
  ServerHost first(TestServer("throughline.test.First"));
  ServerHost second(TestServer("throughline.test.Second"));
  ASSERT_TRUE(first.Start().ok());
  ASSERT_TRUE(second.Start().ok());
  // As a headless Kubernetes Service's name resolves to each replica.
  auto channel =
      DialService(absl::StrCat("ipv4:127.0.0.1:", first.port(), ",127.0.0.1:", second.port()),
                  grpc::InsecureChannelCredentials(), Keepalive{});
  grpc::GenericStub stub(channel);

  // Only the first server hosts "throughline.test.First": OK from it, NOT_FOUND from the
  // other. Both answer within a few calls once both connections are up; the default policy
  // (pick_first) would send every call to the first.
  int from_first = 0, from_second = 0;
  for (int i = 0; i < 200 && (from_first < 3 || from_second < 3); ++i) {
    const grpc::StatusCode code = CheckHealth(stub, "throughline.test.First");
    if (code == grpc::StatusCode::OK) {
      ++from_first;
    } else {
      ASSERT_EQ(code, grpc::StatusCode::NOT_FOUND);
      ++from_second;
    }
  }
  EXPECT_GE(from_first, 3);
  EXPECT_GE(from_second, 3) << "every call went to the first address";
}

}  // namespace
}  // namespace throughline::server
