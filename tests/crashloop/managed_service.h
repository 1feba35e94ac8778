// One service binary of the crash loop, always at the same address so that the other services
// and the driver find it again after a restart: started as a child process on a fixed port,
// ready when grpc.health.v1 says SERVING, killed with SIGKILL, started again.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/e2e/child_process.h"

namespace throughline::crashloop {

// A free TCP port on 127.0.0.1 (bound to port 0, then released for the service to take).
int PickFreePort();

class ManagedService {
 public:
  ManagedService(std::string name, std::string binary, int port, std::vector<std::string> args,
                 std::string log_dir);

  // Starts the binary and waits until it serves. A start that fails (the database restarting
  // under its migrations, say) is retried until `timeout`.
  absl::Status Start(absl::Duration timeout);
  // kill -9, and reap it.
  void Kill();
  // Whether the current process still runs.
  bool Running();

  std::string address() const;
  const std::string& name() const { return name_; }
  // The current process id, 0 when none was started.
  int pid() const { return process_ == nullptr ? 0 : process_->pid(); }
  // Processes started, including failed attempts.
  int starts() const { return starts_; }
  // The last `lines` lines of the current process's log.
  std::string LogTail(int lines) const;

 private:
  std::string name_;
  std::string binary_;
  int port_;
  std::vector<std::string> args_;
  std::string log_dir_;
  int starts_ = 0;
  std::unique_ptr<e2e::ChildProcess> process_;
};

}  // namespace throughline::crashloop
