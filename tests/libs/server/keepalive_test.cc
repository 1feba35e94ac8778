// DialService's keepalive: a callee that vanishes without closing the connection (simulated by
// a TCP relay that stops relaying, as a partition or a host without power would) ends an idle
// watch stream with UNAVAILABLE instead of leaving it waiting forever.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "libs/server/outgoing_call.h"
#include "libs/server/server_host.h"

namespace throughline::server {
namespace {

// Relays one TCP connection from a port of its own to `target_port` until Freeze(), after
// which it reads and writes nothing but keeps both connections open.
class FreezableRelay {
 public:
  explicit FreezableRelay(int target_port) : target_port_(target_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 1) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot listen: errno " << errno;
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Relay(); });
  }

  ~FreezableRelay() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int fd : {listener_, client_, server_}) {
      if (fd >= 0) close(fd);
    }
  }

  int port() const { return port_; }
  void Freeze() { frozen_ = true; }

 private:
  void Relay() {
    while (!stop_ && client_ < 0) {
      pollfd waiting{listener_, POLLIN, 0};
      if (poll(&waiting, 1, 50) == 1) client_ = accept(listener_, nullptr, nullptr);
    }
    if (stop_) return;
    server_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    target.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (connect(server_, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) return;
    char buffer[16384];
    while (!stop_) {
      if (frozen_) {
        poll(nullptr, 0, 50);  // holding both connections open, relaying nothing
        continue;
      }
      pollfd ends[2] = {{client_, POLLIN, 0}, {server_, POLLIN, 0}};
      if (poll(ends, 2, 50) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if ((ends[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t n = read(ends[i].fd, buffer, sizeof buffer);
        if (n <= 0) return;
        if (write(ends[1 - i].fd, buffer, n) != n) return;
      }
    }
  }

  const int target_port_;
  int listener_ = -1;
  int client_ = -1;
  int server_ = -1;
  int port_ = 0;
  std::atomic<bool> frozen_ = false;
  std::atomic<bool> stop_ = false;
  std::thread thread_;
};

// Waits for the completion of `tag` on `queue` until `deadline`; whether it succeeded, or
// std::nullopt when it did not complete in time.
std::optional<bool> Await(grpc::CompletionQueue& queue, void* tag, absl::Time deadline) {
  void* got = nullptr;
  bool ok = false;
  switch (queue.AsyncNext(&got, &ok, absl::ToChronoTime(deadline))) {
    case grpc::CompletionQueue::GOT_EVENT:
      EXPECT_EQ(got, tag);
      return ok;
    default:
      return std::nullopt;
  }
}

TEST(KeepaliveTest, AnIdleWatchOnAVanishedCalleeEndsUnavailable) {
  ServerOptions options;
  options.service_name = "throughline.test.Keepalive";
  options.min_ping_interval = absl::Milliseconds(100);  // the test's pings are frequent
  ServerHost host(options);
  ASSERT_TRUE(host.Start().ok());
  FreezableRelay relay(host.port());

  // Short keepalive so the test is quick; the services use Keepalive's defaults.
  const Keepalive keepalive{.time = absl::Milliseconds(300), .timeout = absl::Milliseconds(300)};
  auto channel = DialService(absl::StrCat("127.0.0.1:", relay.port()),
                             grpc::InsecureChannelCredentials(), keepalive);
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  grpc::CompletionQueue queue;
  // grpc.health.v1.Health/Watch sends the status, then nothing until it changes: an idle
  // stream, like a watch of an organization nobody changes.
  auto call = stub.PrepareCall(&context, "/grpc.health.v1.Health/Watch", &queue);
  int start, write, writes_done, first, second, finish;
  call->StartCall(&start);
  ASSERT_EQ(Await(queue, &start, absl::Now() + absl::Seconds(10)), true);
  grpc::Slice empty("");  // HealthCheckRequest{service: ""}
  grpc::ByteBuffer request(&empty, 1);
  call->Write(request, &write);
  ASSERT_EQ(Await(queue, &write, absl::Now() + absl::Seconds(10)), true);
  call->WritesDone(&writes_done);
  ASSERT_EQ(Await(queue, &writes_done, absl::Now() + absl::Seconds(10)), true);
  grpc::ByteBuffer response;
  call->Read(&response, &first);
  ASSERT_EQ(Await(queue, &first, absl::Now() + absl::Seconds(10)), true) << "no first status";

  // Alive and idle: several pings pass without the stream ending (gRPC sends one per second
  // at most, and a server that refused them would disconnect after the third).
  call->Read(&response, &second);
  EXPECT_EQ(Await(queue, &second, absl::Now() + absl::Seconds(4)), std::nullopt)
      << "the idle stream ended while the callee was reachable";

  relay.Freeze();
  const absl::Time frozen = absl::Now();
  EXPECT_EQ(Await(queue, &second, frozen + absl::Seconds(20)), false)
      << "the stream did not end after the callee vanished";
  const absl::Duration noticed = absl::Now() - frozen;
  grpc::Status status;
  call->Finish(&status, &finish);
  ASSERT_EQ(Await(queue, &finish, absl::Now() + absl::Seconds(10)), true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  RecordProperty("noticed_ms", std::to_string(absl::ToInt64Milliseconds(noticed)));
  std::cout << "the vanished callee was noticed after " << noticed << "\n";

  queue.Shutdown();
  void* tag;
  bool ok;
  while (queue.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace throughline::server
