// A PostgreSQL cluster of a test's own (tools/pg in a directory of the test's), which the test
// may stop, crash and restart without disturbing the shared cluster of the other tests: the
// crash loop, the pool's restart test and the outage tests use it. Restarts come in two
// kinds: a clean fast shutdown, and an immediate shutdown (SIGQUIT to the postmaster: no
// checkpoint, crash recovery on the next start).
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace throughline::testing {

class PrivateCluster {
 public:
  enum class Commits {
    // fsync and synchronous_commit on: what a commit acknowledged survives an immediate
    // shutdown. The crash loop needs it: with fast commits PostgreSQL itself drops
    // acknowledged commits on a crash, and the loop would blame Throughline for them.
    kDurable,
    // tools/pg --fast: for tests that stop the cluster cleanly or not at all.
    kFast,
  };

  // `tool` is tools/pg; `dir` the cluster directory; the tool's output is appended to `log`.
  // With `replica_of` (the directory of a running cluster), the cluster is a hot standby of
  // that one, copied from it on the first start (tools/pg --replica_of).
  PrivateCluster(std::string tool, std::string dir, std::string log, Commits commits,
                 std::string replica_of = "");
  // Stops the cluster if it runs; its files stay (the caller removes the directory).
  ~PrivateCluster();
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  // Starts the cluster (initdb on first use) and reads its admin connection string.
  absl::Status Start();
  // `tools/pg stop` then `tools/pg start`.
  absl::Status RestartFast();
  // SIGQUIT to the postmaster, wait for it to exit, then `tools/pg start`.
  absl::Status RestartImmediate();
  absl::Status Stop();

  // libpq connection string of the maintenance database, as superuser.
  const std::string& admin_url() const { return admin_url_; }
  const std::string& dir() const { return dir_; }

 private:
  absl::Status Run(const std::string& command) const;
  // The directory holding data/: `dir` itself, or the /tmp fallback tools/pg chose.
  std::string Home() const;

  std::string tool_;
  std::string dir_;
  std::string log_;
  Commits commits_;
  std::string replica_of_;
  bool running_ = false;
  std::string admin_url_;
};

// Makes a fresh directory from `pattern` (ending in XXXXXX, as for mkdtemp), readable by the
// cluster's owner (postgres, when running as root: otherwise tools/pg puts the cluster under
// /tmp, where removing the directory would not remove it), and starts a cluster in it: DIR/pg,
// with the tool's output in DIR/pg-tool.log. `dir` and `cluster` are set before the start, so
// that the caller's teardown stops and removes whatever a failed start left.
absl::Status StartClusterInNewDirectory(std::string tool, std::string pattern,
                                        PrivateCluster::Commits commits, std::string* dir,
                                        std::unique_ptr<PrivateCluster>* cluster);

}  // namespace throughline::testing
