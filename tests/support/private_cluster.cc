#include "tests/support/private_cluster.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/support/wait.h"

namespace throughline::testing {
namespace {

std::string FirstLine(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return std::string(absl::StripAsciiWhitespace(line));
}

// Single quotes for /bin/sh.
std::string Quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// A fresh directory from `pattern`, readable by the cluster's owner.
absl::StatusOr<std::string> MakeClusterDirectory(std::string pattern) {
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", strerror(errno)));
  }
  chmod(pattern.c_str(), 0755);
  return pattern;
}

}  // namespace

PrivateCluster::PrivateCluster(std::string tool, std::string dir, std::string log, Commits commits,
                               std::string replica_of)
    : tool_(std::move(tool)),
      dir_(std::move(dir)),
      log_(std::move(log)),
      commits_(commits),
      replica_of_(std::move(replica_of)) {}

PrivateCluster::~PrivateCluster() {
  if (running_) Stop().IgnoreError();  // a test that failed half-way: its cluster still runs
}

absl::Status PrivateCluster::Run(const std::string& command) const {
  // The commits asked for, whatever THROUGHLINE_PG_FAST says (tools/test exports it).
  const std::string line =
      absl::StrCat("env -u THROUGHLINE_PG_FAST ", Quoted(tool_), " ", command, " ", Quoted(dir_),
                   command == "start" && commits_ == Commits::kFast ? " --fast" : "",
                   command == "start" && !replica_of_.empty()
                       ? absl::StrCat(" --replica_of ", Quoted(replica_of_))
                       : "",
                   " >>", Quoted(log_), " 2>&1");
  const int status = std::system(line.c_str());
  if (status != 0) {
    return absl::InternalError(
        absl::StrCat("`tools/pg ", command, "` failed (status ", status, "); see ", log_));
  }
  return absl::OkStatus();
}

absl::Status PrivateCluster::Start() {
  if (absl::Status started = Run("start"); !started.ok()) return started;
  running_ = true;
  admin_url_ = FirstLine(absl::StrCat(dir_, "/url"));
  if (admin_url_.empty()) return absl::InternalError(absl::StrCat("no url in ", dir_));
  return absl::OkStatus();
}

absl::Status PrivateCluster::Stop() {
  absl::Status stopped = Run("stop");
  if (stopped.ok()) running_ = false;
  return stopped;
}

absl::Status StartClusterInNewDirectory(std::string tool, std::string pattern,
                                        PrivateCluster::Commits commits, std::string* dir,
                                        std::unique_ptr<PrivateCluster>* cluster) {
  auto made = MakeClusterDirectory(std::move(pattern));
  if (!made.ok()) return made.status();
  *dir = *made;
  *cluster = std::make_unique<PrivateCluster>(std::move(tool), *dir + "/pg", *dir + "/pg-tool.log",
                                              commits);
  return (*cluster)->Start();
}

absl::Status PrivateCluster::RestartFast() {
  if (absl::Status stopped = Stop(); !stopped.ok()) return stopped;
  return Start();
}

std::string PrivateCluster::Home() const {
  const std::string pointer = FirstLine(absl::StrCat(dir_, "/cluster"));
  return pointer.empty() ? dir_ : pointer;
}

absl::Status PrivateCluster::RestartImmediate() {
  // postmaster.pid starts with the postmaster's pid.
  const std::string pid_file = absl::StrCat(Home(), "/data/postmaster.pid");
  pid_t pid = 0;
  if (!absl::SimpleAtoi(FirstLine(pid_file), &pid) || pid <= 0) {
    return absl::FailedPreconditionError(absl::StrCat("no postmaster pid in ", pid_file));
  }
  if (kill(pid, SIGQUIT) != 0) {
    return absl::InternalError(absl::StrCat("kill -QUIT ", pid, ": errno ", errno));
  }
  // The postmaster is not our child (pg_ctl daemonized it): poll until the pid is gone.
  const bool exited =
      WaitFor([pid] { return kill(pid, 0) != 0 && errno == ESRCH; }, absl::Seconds(60));
  if (!exited) return absl::DeadlineExceededError("the postmaster ignored SIGQUIT for 60 s");
  running_ = false;
  return Start();
}

}  // namespace throughline::testing
