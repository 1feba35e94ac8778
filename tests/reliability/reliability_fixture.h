// The reliability tests (issue 6: outages and transport) run the real service binaries (paths
// given by CMake) as child processes on free ports, against either a database of the shared
// test cluster or a PostgreSQL cluster of their own that they stop and start. Children are
// killed when the test ends and their logs are printed when it failed.
#pragma once

#include <dirent.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/e2e/child_process.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/services/alignment/alignment_scenario.h"
#include "tests/services/alignment/suite_clients.h"
#include "tests/support/private_cluster.h"
#include "tests/support/test_database.h"
#include "tests/support/wait.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

#ifndef THROUGHLINE_TOOLS_PG
#error "THROUGHLINE_TOOLS_PG must name tools/pg (see tests/reliability/CMakeLists.txt)"
#endif

namespace throughline::reliability {

using ::throughline::alignment::testing::Authorized;
using ::throughline::alignment::testing::Describe;
using ::throughline::alignment::testing::kAcme;
using ::throughline::alignment::testing::kAcmeAdmin;
using ::throughline::e2e::ChildProcess;
namespace seg = ::throughline::segment::v1;

inline constexpr absl::Duration kStartTimeout = absl::Seconds(30);

// A started service binary and where it listens.
struct Service {
  ChildProcess* process = nullptr;
  int port = 0;

  std::string address() const { return absl::StrCat("127.0.0.1:", port); }
};

// The parent process id in /proc/<pid>/stat (0 if unknown).
inline pid_t ParentOf(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(stat, line);
  const size_t end_of_name = line.rfind(')');
  if (end_of_name == std::string::npos) return 0;
  std::istringstream fields(line.substr(end_of_name + 2));
  char state;
  pid_t parent = 0;
  fields >> state >> parent;
  return parent;
}

// Stops every process of a cluster (SIGSTOP: the postmaster and its children) while it lives,
// resumes them when it goes: the database hangs with its connections open, as on stuck I/O.
class HungDatabase {
 public:
  explicit HungDatabase(const std::string& admin_url) {
    pid_t postmaster;
    {
      pqxx::connection connection(admin_url);
      postmaster =
          ParentOf(pqxx::nontransaction(connection).exec1("SELECT pg_backend_pid()")[0].as<int>());
    }
    EXPECT_GT(postmaster, 1);
    if (postmaster <= 1) return;
    processes_.push_back(postmaster);
    DIR* proc = opendir("/proc");
    while (dirent* entry = readdir(proc)) {
      const pid_t pid = static_cast<pid_t>(atoi(entry->d_name));
      if (pid > 0 && ParentOf(pid) == postmaster) processes_.push_back(pid);
    }
    closedir(proc);
    for (pid_t pid : processes_) kill(pid, SIGSTOP);
  }
  ~HungDatabase() {
    for (pid_t pid : processes_) kill(pid, SIGCONT);
  }
  HungDatabase(const HungDatabase&) = delete;
  HungDatabase& operator=(const HungDatabase&) = delete;

 private:
  std::vector<pid_t> processes_;
};

class ReliabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "throughline-reliability-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
    dir_ = pattern;
    // Readable by the cluster's owner (tools/pg runs PostgreSQL as "postgres" under root).
    chmod(dir_.c_str(), 0755);
    tokens_file_ = WriteFile("tokens", alignment::testing::TokensFile());
    chmod(tokens_file_.c_str(), 0600);
  }

  void TearDown() override {
    for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) (*it)->Kill(SIGKILL);
    if (HasFailure()) {
      for (const auto& process : processes_) {
        std::cerr << "\n===== log of " << process->name() << " (" << process->log_path()
                  << ") =====\n"
                  << Tail(process->Log(), 80) << "===== end of " << process->name() << " =====\n";
      }
    }
    processes_.clear();
    if (!HasFailure() && !dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  const std::string& dir() const { return dir_; }

  // A cluster of the test's own in dir()/pg, with fast commits (the outage tests stop it
  // cleanly); stopped when it goes away, removed with dir().
  std::unique_ptr<testing::PrivateCluster> NewCluster() const {
    return std::make_unique<testing::PrivateCluster>(THROUGHLINE_TOOLS_PG, dir_ + "/pg",
                                                     dir_ + "/pg-tool.log",
                                                     testing::PrivateCluster::Commits::kFast);
  }
  // A hot standby of `primary` (running) in dir()/pg-replica, streaming its changes.
  std::unique_ptr<testing::PrivateCluster> NewReplicaCluster(
      const testing::PrivateCluster& primary) const {
    return std::make_unique<testing::PrivateCluster>(
        THROUGHLINE_TOOLS_PG, dir_ + "/pg-replica", dir_ + "/pg-replica-tool.log",
        testing::PrivateCluster::Commits::kFast, primary.dir());
  }
  const std::string& tokens_file() const { return tokens_file_; }

  // Writes `content` to dir()/name; returns the path.
  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream out(path);
    out << content;
    EXPECT_TRUE(out.good()) << "cannot write " << path;
    return path;
  }

  // Replaces the file at `path` (in dir()) the way certificate renewal and Kubernetes' secret
  // volumes do: a complete new file renamed over the old one.
  void ReplaceFile(const std::string& path, const std::string& content) {
    const std::string name = path.substr(dir_.size() + 1);
    const std::string next = WriteFile(name + ".next", content);
    ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0) << "rename to " << path;
  }

  // The flags every service gets: listen on `listen` (port 0: a free one), no admin port,
  // `database_url`, the test's tokens file, small pools.
  std::vector<std::string> CommonFlags(const std::string& database_url,
                                       const std::string& listen = "127.0.0.1:0", int workers = 4,
                                       int db_pool_size = 4) const {
    return {"--listen",
            listen,
            "--admin_listen",
            "",
            "--database_url",
            database_url,
            "--tokens_file",
            tokens_file_,
            "--workers",
            absl::StrCat(workers),
            "--db_pool_size",
            absl::StrCat(db_pool_size),
            "--shutdown_grace_seconds",
            "1"};
  }

  // Starts `binary` with `args` and waits until it logs "server started"; reads the port from
  // that line. Readiness beyond that (health) is the caller's business: a TLS server needs a
  // TLS client to ask. On failure the port is 0 and the test has failed.
  Service Spawn(const std::string& name, const std::string& binary,
                const std::vector<std::string>& args) {
    Service service;
    const std::string log_path = absl::StrCat(dir_, "/", name, "-", ++started_, ".log");
    auto process = ChildProcess::Start(name, binary, args, log_path);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return service;
    ChildProcess& child = **process;
    processes_.push_back(*std::move(process));
    if (!child.WaitForLogLines("\"server started\"", 1, kStartTimeout)) {
      ADD_FAILURE() << name << " did not start (running: " << child.Running() << ")";
      return service;
    }
    static const std::regex kPort("\"msg\":\"server started\".*\"port\":([0-9]+)");
    std::smatch match;
    const std::string log = child.Log();
    if (!std::regex_search(log, match, kPort)) {
      ADD_FAILURE() << name << " logged no port";
      return service;
    }
    service.port = std::stoi(match[1].str());
    service.process = &child;
    return service;
  }

  // Spawn, then wait until a plaintext grpc.health.v1 check says SERVING.
  Service SpawnServing(const std::string& name, const std::string& binary,
                       const std::vector<std::string>& args) {
    Service service = Spawn(name, binary, args);
    if (service.port == 0) return service;
    auto channel = grpc::CreateChannel(service.address(), grpc::InsecureChannelCredentials());
    if (!throughline::testing::WaitFor([&] { return Health(channel) == "SERVING"; },
                                       kStartTimeout)) {
      ADD_FAILURE() << name << " is not SERVING: " << Health(channel);
      service.port = 0;
    }
    return service;
  }

  // grpc.health.v1 of the whole server: "SERVING", "NOT_SERVING", or the error.
  static std::string Health(const std::shared_ptr<grpc::Channel>& channel) {
    return e2e::E2eTest::Health(channel);
  }

  // The resident set size of a process in KiB (VmRSS in /proc/<pid>/status; with
  // field "VmHWM:" its peak so far), -1 if unknown.
  static int64_t RssKib(pid_t pid, const std::string& field = "VmRSS:") {
    std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind(field, 0) != 0) continue;
      int64_t kib = -1;
      std::string number = line.substr(field.size());
      number.erase(number.find_last_not_of(" kB\t") + 1);
      number.erase(0, number.find_first_not_of(" \t"));
      return absl::SimpleAtoi(number, &kib) ? kib : -1;
    }
    return -1;
  }

  // A market of acme named `market_id`, created through `stub`.
  static grpc::Status CreateMarket(seg::SegmentService::Stub& stub, const std::string& market_id,
                                   absl::Duration timeout = absl::Seconds(10),
                                   seg::Market* created = nullptr) {
    seg::CreateMarketRequest request;
    request.set_parent(kAcme);
    request.set_market_id(market_id);
    *request.mutable_market() = alignment::testing::CloudDatabases();
    seg::Market market;
    auto context = Authorized(kAcmeAdmin, timeout);
    grpc::Status status = stub.CreateMarket(context.get(), request, &market);
    if (created != nullptr) *created = market;
    return status;
  }

  static grpc::Status GetMarket(seg::SegmentService::Stub& stub, const std::string& market_id,
                                absl::Duration timeout = absl::Seconds(10)) {
    seg::GetMarketRequest request;
    request.set_name(absl::StrCat(kAcme, "/markets/", market_id));
    seg::Market market;
    auto context = Authorized(kAcmeAdmin, timeout);
    return stub.GetMarket(context.get(), request, &market);
  }

  static std::string Tail(const std::string& text, int lines) {
    size_t start = text.size();
    for (int i = 0; i <= lines && start > 0; ++i) {
      start = text.rfind('\n', start - 1);
      if (start == std::string::npos) return text;
    }
    return text.substr(start + 1);
  }

 private:
  std::string dir_;
  std::string tokens_file_;
  int started_ = 0;
  std::vector<std::unique_ptr<ChildProcess>> processes_;
};

}  // namespace throughline::reliability
