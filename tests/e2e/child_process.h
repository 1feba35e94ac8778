// A service binary run as a child process for end-to-end tests: its stdout and stderr go to a
// log file, it is killed (SIGKILL) when the object goes away or when the test process dies,
// and the test can wait for what it logs.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace throughline::e2e {

class ChildProcess {
 public:
  // Starts `binary` with `args`, appending its output to `log_path`. Its TMPDIR is the log's
  // directory, so that what it leaves there when killed goes with the test's files.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(std::string name,
                                                             const std::string& binary,
                                                             const std::vector<std::string>& args,
                                                             std::string log_path);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // Kill(SIGKILL) if still running.

  // Sends `signal` and waits for the process to exit; returns its wait status (-1 when it had
  // exited already).
  int Kill(int signal);
  // SIGTERM, then SIGKILL if it has not exited within `grace`. True when it exited by itself.
  bool Stop(absl::Duration grace);
  // Whether the process still runs (reaps it when it has exited).
  bool Running();

  // The whole log so far.
  std::string Log() const;
  // How many lines of the log contain `text`.
  int CountLogLines(const std::string& text) const;
  // Waits until `count` lines contain `text`, the process exits, or `timeout` passes.
  bool WaitForLogLines(const std::string& text, int count, absl::Duration timeout);

  const std::string& name() const { return name_; }
  const std::string& log_path() const { return log_path_; }
  pid_t pid() const { return pid_; }

 private:
  ChildProcess(std::string name, pid_t pid, std::string log_path)
      : name_(std::move(name)), pid_(pid), log_path_(std::move(log_path)) {}

  std::string name_;
  pid_t pid_;
  std::string log_path_;
  bool exited_ = false;
};

}  // namespace throughline::e2e
