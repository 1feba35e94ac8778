// DialService's keepalive: a callee that vanishes without closing the connection (simulated by
// a TCP relay that stops relaying, as a partition or a host without power would) ends an idle
// watch stream with UNAVAILABLE instead of leaving it waiting forever.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "libs/server/outgoing_call.h"
#include "libs/server/server_host.h"
#include "tests/support/grpc_await.h"
#include "tests/support/relay.h"

namespace throughline::server {
namespace {

using testing::Await;
using testing::Drain;
using testing::HealthWatch;

TEST(KeepaliveTest, AnIdleWatchOnAVanishedCalleeEndsUnavailable) {
  ServerOptions options;
  options.service_name = "throughline.test.Keepalive";
  options.min_ping_interval = absl::Milliseconds(100);  // the test's pings are frequent
  ServerHost host(options);
  ASSERT_TRUE(host.Start().ok());
  auto relay = testing::FreezableRelay::ToTcp(host.port());

  // Short keepalive so the test is quick; the services use Keepalive's defaults.
  const Keepalive keepalive{.time = absl::Milliseconds(300), .timeout = absl::Milliseconds(300)};
  auto channel = DialService(absl::StrCat("127.0.0.1:", relay.port()),
                             grpc::InsecureChannelCredentials(), keepalive);
  grpc::GenericStub stub(channel);
  // grpc.health.v1.Health/Watch sends the status, then nothing until it changes: an idle
  // stream, like a watch of an organization nobody changes.
  HealthWatch watch(stub);
  ASSERT_NE(watch.call, nullptr);
  grpc::ByteBuffer response;
  int second, finish;

  // Alive and idle: several pings pass without the stream ending (gRPC sends one per second
  // at most, and a server that refused them would disconnect after the third).
  watch.call->Read(&response, &second);
  EXPECT_EQ(Await(watch.queue, &second, absl::Now() + absl::Seconds(4)), std::nullopt)
      << "the idle stream ended while the callee was reachable";

  relay.Freeze();
  const absl::Time frozen = absl::Now();
  EXPECT_EQ(Await(watch.queue, &second, frozen + absl::Seconds(20)), false)
      << "the stream did not end after the callee vanished";
  const absl::Duration noticed = absl::Now() - frozen;
  grpc::Status status;
  watch.call->Finish(&status, &finish);
  ASSERT_EQ(Await(watch.queue, &finish, absl::Now() + absl::Seconds(10)), true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  RecordProperty("noticed_ms", std::to_string(absl::ToInt64Milliseconds(noticed)));
  std::cout << "the vanished callee was noticed after " << noticed << "\n";

  Drain(watch.queue);
}

}  // namespace
}  // namespace throughline::server
