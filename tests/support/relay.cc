#include "tests/support/relay.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace throughline::testing {

FreezableRelay::FreezableRelay(int target_port, std::string target_path)
    : target_port_(target_port), target_path_(std::move(target_path)) {
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

FreezableRelay::~FreezableRelay() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  for (int fd : {listener_, client_, server_}) {
    if (fd >= 0) close(fd);
  }
}

int FreezableRelay::ConnectToTarget() const {
  if (!target_path_.empty()) {
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un target{};
    target.sun_family = AF_UNIX;
    if (target_path_.size() >= sizeof target.sun_path) return fd;
    std::memcpy(target.sun_path, target_path_.c_str(), target_path_.size() + 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
      ADD_FAILURE() << "cannot connect to " << target_path_ << ": errno " << errno;
    }
    return fd;
  }
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  target.sin_port = htons(static_cast<uint16_t>(target_port_));
  if (connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    ADD_FAILURE() << "cannot connect to port " << target_port_ << ": errno " << errno;
  }
  return fd;
}

void FreezableRelay::Relay() {
  while (!stop_ && client_ < 0) {
    pollfd waiting{listener_, POLLIN, 0};
    if (poll(&waiting, 1, 50) == 1) client_ = accept(listener_, nullptr, nullptr);
  }
  if (stop_) return;
  server_ = ConnectToTarget();
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

}  // namespace throughline::testing
