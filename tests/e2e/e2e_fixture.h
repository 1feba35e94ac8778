// End-to-end tests: the three real binaries (segmentd, offeringd, alignmentd, paths given by
// CMake) as child processes on free ports against one throwaway database of the test cluster,
// with a tokens file written by the test. Readiness is grpc.health.v1 SERVING; children are
// killed when the test ends and their logs are printed when it failed.
#pragma once

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/unknown_field_set.h"
#include "tests/e2e/child_process.h"
#include "tests/services/alignment/alignment_scenario.h"
#include "tests/services/alignment/suite_clients.h"
#include "tests/support/test_database.h"
#include "tests/support/wait.h"

#ifndef THROUGHLINE_SEGMENTD
#error "THROUGHLINE_SEGMENTD must name the segmentd binary (see tests/e2e/CMakeLists.txt)"
#endif

namespace throughline::e2e {

using namespace ::throughline::alignment::testing;  // NOLINT: the scenario's vocabulary

inline constexpr absl::Duration kStartTimeout = absl::Seconds(30);

// A started service: its process (owned by the fixture) and where it listens.
struct Service {
  ChildProcess* process = nullptr;
  int port = 0;

  std::string address() const { return absl::StrCat("127.0.0.1:", port); }
};

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = throughline::testing::TestDatabase::Create();
    std::string pattern = ::testing::TempDir() + "throughline-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
    dir_ = pattern;
    tokens_file_ = dir_ + "/tokens";
    {
      std::ofstream tokens(tokens_file_);
      tokens << TokensFile();
      ASSERT_TRUE(tokens.good());
    }
    chmod(tokens_file_.c_str(), 0600);
  }

  void TearDown() override {
    clients_.reset();
    // Every child, newest first: alignment replicas before the services they call.
    for (auto it = processes_.rbegin(); it != processes_.rend(); ++it) (*it)->Kill(SIGKILL);
    if (HasFailure()) {
      for (const auto& process : processes_) {
        std::cerr << "\n===== log of " << process->name() << " (" << process->log_path()
                  << ") =====\n"
                  << Tail(process->Log(), 200) << "===== end of " << process->name() << " =====\n";
      }
    }
    processes_.clear();
    database_.reset();
    if (!HasFailure() && !dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // ------------------------------------------------------------------------------ services

  Service StartSegmentd() { return StartService("segmentd", THROUGHLINE_SEGMENTD, {}); }

  // offeringd calling segmentd and, for the commitments its coherence reports check, the
  // alignmentd at `alignment_address`. The suite's offeringd starts before alignmentd, whose
  // address (port 0) is not known yet, so its reports leave the commitments out; a second one
  // started later reads them (E2eTest.CoherenceReportsACommitmentsMetricThatServesNoNeed).
  Service StartOfferingd(const std::string& alignment_address = "",
                         const std::string& name = "offeringd") {
    return StartService(name, THROUGHLINE_OFFERINGD,
                        {"--segment_address", segmentd_.address(), "--alignment_address",
                         alignment_address, "--service_token", kServiceToken});
  }

  // One alignment replica; `name` tells replicas apart in the logs.
  Service StartAlignmentd(const std::string& name = "alignmentd") {
    return StartService(name, THROUGHLINE_ALIGNMENTD,
                        {"--segment_address", segmentd_.address(), "--offering_address",
                         offeringd_.address(), "--service_token", kServiceToken});
  }

  // segmentd, offeringd and one alignmentd; the clients talk to them.
  void StartSuite() {
    segmentd_ = StartSegmentd();
    ASSERT_NE(segmentd_.port, 0);
    offeringd_ = StartOfferingd();
    ASSERT_NE(offeringd_.port, 0);
    Service alignmentd = StartAlignmentd();
    ASSERT_NE(alignmentd.port, 0);
    alignmentd_.push_back(std::move(alignmentd));
    UseAlignment(alignmentd_.back());
  }

  // Points the clients at `alignmentd`.
  void UseAlignment(const Service& alignmentd) {
    clients_ = std::make_unique<SuiteClients>(segmentd_.address(), offeringd_.address(),
                                              alignmentd.address());
  }

  SuiteClients& suite() { return *clients_; }

  // A direct connection to the test database, for what no API shows (the subscription
  // cursors) and for cross-checks that must not depend on a running alignmentd.
  pqxx::connection Database() { return pqxx::connection(database_->url()); }

  // Acme's tasks straight from the alignment schema: (offering, function, subject, revision)
  // -> how many tasks.
  std::map<std::string, int> TaskCountsInDatabase() {
    std::map<std::string, int> counts;
    auto connection = Database();
    pqxx::read_transaction tx(connection);
    for (const auto& row : tx.exec("SELECT offering, function_id, trigger_subject, "
                                   "trigger_revision, count(*) FROM alignment.tasks "
                                   "GROUP BY 1, 2, 3, 4")) {
      counts[absl::StrCat(row[0].c_str(), " ", row[1].c_str(), " ", row[2].c_str(), "@",
                          row[3].c_str())] = row[4].as<int>();
    }
    return counts;
  }

  int TaskCountInDatabase() {
    auto connection = Database();
    pqxx::read_transaction tx(connection);
    return tx.exec1("SELECT count(*) FROM alignment.tasks")[0].as<int>();
  }

  std::map<std::string, std::string> SubscriptionCursors() {
    std::map<std::string, std::string> cursors;
    auto connection = Database();
    pqxx::read_transaction tx(connection);
    for (const auto& row :
         tx.exec("SELECT subscription, cursor FROM alignment.subscription_cursors")) {
      cursors[row[0].c_str()] = row[1].c_str();
    }
    return cursors;
  }

  Service segmentd_;
  Service offeringd_;
  std::vector<Service> alignmentd_;

 private:
  static std::string Tail(const std::string& text, int lines) {
    size_t start = text.size();
    for (int i = 0; i <= lines && start > 0; ++i) {
      start = text.rfind('\n', start - 1);
      if (start == std::string::npos) return text;
    }
    return text.substr(start + 1);
  }

  // Starts `binary` on a free port (port 0; the port is read from its "server started" log
  // line) and waits until grpc.health.v1 reports SERVING. On failure the port is 0 and the
  // test has failed.
  Service StartService(const std::string& name, const std::string& binary,
                       std::vector<std::string> args) {
    Service service;
    const std::vector<std::string> common = {"--listen",
                                             "127.0.0.1:0",
                                             "--admin_listen",
                                             "127.0.0.1:0",
                                             "--database_url",
                                             database_->url(),
                                             "--tokens_file",
                                             tokens_file_,
                                             "--workers",
                                             "4",
                                             "--db_pool_size",
                                             "4",
                                             "--shutdown_grace_seconds",
                                             "1"};
    args.insert(args.begin(), common.begin(), common.end());
    const std::string log_path = absl::StrCat(dir_, "/", name, "-", ++started_, ".log");
    auto process = ChildProcess::Start(name, binary, args, log_path);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return service;
    ChildProcess& child = **process;
    processes_.push_back(*std::move(process));

    const absl::Time deadline = absl::Now() + kStartTimeout;
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
    const int port = std::stoi(match[1].str());
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    const bool serving = throughline::testing::WaitFor(
        [&] { return child.Running() && Health(channel) == "SERVING"; }, deadline - absl::Now());
    if (!serving) {
      ADD_FAILURE() << name << " is not SERVING on port " << port << ": " << Health(channel);
      return service;
    }
    service.port = port;
    service.process = &child;
    return service;
  }

 public:
  // grpc.health.v1.Health/Check of the whole server: "SERVING", "NOT_SERVING", or the error.
  // The health protocol is spoken through the generic stub (one varint field, number 1), so
  // no generated code is needed for it.
  static std::string Health(const std::shared_ptr<grpc::Channel>& channel) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::Slice empty("");
    const grpc::ByteBuffer request(&empty, 1);  // HealthCheckRequest{service: ""}
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                   &response, [&done](grpc::Status status) { done.set_value(std::move(status)); });
    const grpc::Status status = done.get_future().get();
    if (!status.ok()) return Describe(status);
    std::vector<grpc::Slice> slices;
    if (!response.Dump(&slices).ok()) return "unreadable response";
    std::string bytes;
    for (const auto& slice : slices) bytes.append(slice.begin(), slice.end());
    google::protobuf::UnknownFieldSet fields;
    if (!fields.ParseFromString(bytes)) return "unreadable response";
    uint64_t serving = 0;
    for (int i = 0; i < fields.field_count(); ++i) {
      if (fields.field(i).number() == 1) serving = fields.field(i).varint();
    }
    constexpr const char* kStatuses[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
    return serving < 4 ? kStatuses[serving] : absl::StrCat("status ", serving);
  }

 private:
  std::unique_ptr<throughline::testing::TestDatabase> database_;
  std::string dir_;
  std::string tokens_file_;
  int started_ = 0;
  std::vector<std::unique_ptr<ChildProcess>> processes_;
  std::unique_ptr<SuiteClients> clients_;
};

}  // namespace throughline::e2e
