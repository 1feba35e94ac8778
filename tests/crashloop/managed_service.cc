#include "tests/crashloop/managed_service.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/support/wait.h"

namespace throughline::crashloop {

int PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

ManagedService::ManagedService(std::string name, std::string binary, int port,
                               std::vector<std::string> args, std::string log_dir)
    : name_(std::move(name)),
      binary_(std::move(binary)),
      port_(port),
      args_(std::move(args)),
      log_dir_(std::move(log_dir)) {}

std::string ManagedService::address() const { return absl::StrCat("127.0.0.1:", port_); }

absl::Status ManagedService::Start(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::string> args = {"--listen", address(), "--admin_listen", "127.0.0.1:0"};
  args.insert(args.end(), args_.begin(), args_.end());
  auto channel = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
  std::string last_error;
  while (absl::Now() < deadline) {
    if (process_ != nullptr) process_->Kill(SIGKILL);
    auto started = e2e::ChildProcess::Start(
        name_, binary_, args, absl::StrCat(log_dir_, "/", name_, "-", ++starts_, ".log"));
    if (!started.ok()) return started.status();
    process_ = *std::move(started);
    const bool serving =
        process_->WaitForLogLines("\"server started\"", 1, deadline - absl::Now()) &&
        testing::WaitFor(
            [&] { return process_->Running() && e2e::E2eTest::Health(channel) == "SERVING"; },
            deadline - absl::Now());
    if (serving) return absl::OkStatus();
    last_error = LogTail(5);
    // It exited (or hangs): try again, paced, until the deadline.
    if (process_->Running()) process_->Kill(SIGKILL);
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::DeadlineExceededError(absl::StrCat(name_, " did not become SERVING on ", address(),
                                                  " within ", absl::FormatDuration(timeout),
                                                  "; its last log lines:\n", last_error));
}

void ManagedService::Kill() {
  if (process_ != nullptr) process_->Kill(SIGKILL);
}

bool ManagedService::Running() { return process_ != nullptr && process_->Running(); }

std::string ManagedService::LogTail(int lines) const {
  if (process_ == nullptr) return "";
  const std::string log = process_->Log();
  size_t start = log.size();
  for (int i = 0; i <= lines && start > 0; ++i) {
    start = log.rfind('\n', start - 1);
    if (start == std::string::npos) return log;
  }
  return log.substr(start + 1);
}

}  // namespace throughline::crashloop
