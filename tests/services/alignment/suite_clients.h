// Clients of the three services for the alignment tests, in-process or end to end: typed calls
// with a bearer token and a deadline, the error details a user would read, the reference
// scenario played step by step, and a WatchTasks reader that collects what it receives.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/errors/errors.h"
#include "tests/services/alignment/alignment_scenario.h"
#include "tests/support/wait.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::alignment::testing {

inline constexpr absl::Duration kCallTimeout = absl::Seconds(10);
// How long the tests wait for tasks to arrive after a change commits.
inline constexpr absl::Duration kTaskTimeout = absl::Seconds(20);

inline std::unique_ptr<grpc::ClientContext> Authorized(std::string_view token,
                                                       absl::Duration timeout = kCallTimeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", std::string(token)));
  }
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

inline std::string Describe(const grpc::Status& status) {
  return absl::StrCat("code ", status.error_code(), ": ", status.error_message());
}

// The BadRequest field paths of an error, in order.
inline std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  const google::rpc::Status decoded = errors::DecodeDetails(status);
  for (const auto& detail : decoded.details()) {
    google::rpc::BadRequest bad_request;
    if (!detail.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

inline std::string ErrorReason(const grpc::Status& status) {
  const google::rpc::Status decoded = errors::DecodeDetails(status);
  for (const auto& detail : decoded.details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

template <typename Response>
struct Result {
  grpc::Status status;
  Response value;

  bool ok() const { return status.ok(); }
  grpc::StatusCode code() const { return status.error_code(); }
};

// "the task of (offering, function) about trigger event": exactly one must exist.
using TaskKey = std::tuple<std::string, std::string, std::string>;

inline TaskKey KeyOf(const aln::Task& task) {
  return {task.offering(), task.function(), task.trigger().event_id()};
}

// How many tasks each (offering, function, trigger) has.
inline std::map<TaskKey, int> CountByKey(const std::vector<aln::Task>& tasks) {
  std::map<TaskKey, int> counts;
  for (const auto& task : tasks) ++counts[KeyOf(task)];
  return counts;
}

// The three services as a planning platform sees them.
class SuiteClients {
 public:
  // Plaintext, or with `credentials` (e.g. TLS) for all three.
  SuiteClients(const std::string& segment_address, const std::string& offering_address,
               const std::string& alignment_address,
               const std::shared_ptr<grpc::ChannelCredentials>& credentials =
                   grpc::InsecureChannelCredentials())
      : segments_(seg::SegmentService::NewStub(grpc::CreateChannel(segment_address, credentials))),
        offerings_(
            off::OfferingService::NewStub(grpc::CreateChannel(offering_address, credentials))),
        alignment_channel_(grpc::CreateChannel(alignment_address, credentials)),
        alignment_(aln::AlignmentService::NewStub(alignment_channel_)) {}

  aln::AlignmentService::Stub& alignment() { return *alignment_; }

  // ------------------------------------------------------------------------------- segments

  Result<seg::Market> CreateMarket(const std::string& market_id, const seg::Market& market,
                                   std::string_view token = kAcmeEditor,
                                   const std::string& parent = kAcme) {
    seg::CreateMarketRequest request;
    request.set_parent(parent);
    request.set_market_id(market_id);
    *request.mutable_market() = market;
    return Call(*segments_, token, &seg::SegmentService::Stub::CreateMarket, request);
  }

  Result<seg::Segment> CreateSegment(const std::string& market, const std::string& segment_id,
                                     const seg::Segment& segment,
                                     std::string_view token = kAcmeEditor) {
    seg::CreateSegmentRequest request;
    request.set_parent(market);
    request.set_segment_id(segment_id);
    *request.mutable_segment() = segment;
    return Call(*segments_, token, &seg::SegmentService::Stub::CreateSegment, request);
  }

  Result<seg::Segment> GetSegment(const std::string& name, std::string_view token = kAcmeViewer) {
    seg::GetSegmentRequest request;
    request.set_name(name);
    return Call(*segments_, token, &seg::SegmentService::Stub::GetSegment, request);
  }

  Result<seg::Segment> UpdateSegment(const seg::Segment& segment, std::vector<std::string> paths,
                                     std::string_view token = kAcmeEditor) {
    seg::UpdateSegmentRequest request;
    *request.mutable_segment() = segment;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return Call(*segments_, token, &seg::SegmentService::Stub::UpdateSegment, request);
  }

  // Replaces the needs of `name`; fails the test when the update fails.
  seg::Segment SetNeeds(const std::string& name, const std::vector<Need>& needs,
                        std::string_view token = kAcmeEditor) {
    seg::Segment segment;
    segment.set_name(name);
    for (const auto& need : needs) *segment.add_needs() = need;
    auto updated = UpdateSegment(segment, {"needs"}, token);
    EXPECT_TRUE(updated.ok()) << "update needs of " << name << ": " << Describe(updated.status);
    return updated.value;
  }

  // ------------------------------------------------------------------------------ offerings

  Result<off::Offering> CreateOffering(const std::string& offering_id,
                                       const off::Offering& offering,
                                       std::string_view token = kAcmeEditor,
                                       const std::string& parent = kAcme) {
    off::CreateOfferingRequest request;
    request.set_parent(parent);
    request.set_offering_id(offering_id);
    *request.mutable_offering() = offering;
    return Call(*offerings_, token, &off::OfferingService::Stub::CreateOffering, request);
  }

  Result<off::Offering> UpdateOffering(const off::Offering& offering,
                                       std::vector<std::string> paths,
                                       std::string_view token = kAcmeEditor) {
    off::UpdateOfferingRequest request;
    *request.mutable_offering() = offering;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return Call(*offerings_, token, &off::OfferingService::Stub::UpdateOffering, request);
  }

  Result<off::Offering> Retarget(const std::string& offering, const std::string& segment,
                                 const std::string& value_proposition,
                                 std::string_view token = kAcmeEditor) {
    off::RetargetOfferingRequest request;
    request.set_name(offering);
    request.set_target_segment(segment);
    request.set_rationale(
        "Trials show most buyers want a database that just works; one-click customers are the "
        "larger, faster-growing segment.");
    request.set_value_proposition(value_proposition);
    return Call(*offerings_, token, &off::OfferingService::Stub::RetargetOffering, request);
  }

  Result<off::Decision> CreateDecision(const std::string& offering, const std::string& decision_id,
                                       const off::Decision& decision,
                                       std::string_view token = kAcmeEditor) {
    off::CreateDecisionRequest request;
    request.set_parent(offering);
    request.set_decision_id(decision_id);
    *request.mutable_decision() = decision;
    return Call(*offerings_, token, &off::OfferingService::Stub::CreateDecision, request);
  }

  Result<off::CoherenceReport> EvaluateCoherence(const std::string& offering,
                                                 std::string_view token = kAcmeViewer) {
    off::EvaluateCoherenceRequest request;
    request.set_name(offering);
    return Call(*offerings_, token, &off::OfferingService::Stub::EvaluateCoherence, request);
  }

  // ------------------------------------------------------------------------------ functions

  Result<aln::ListFunctionsResponse> ListFunctions(std::string_view token = kAcmeViewer,
                                                   const std::string& parent = kAcme) {
    aln::ListFunctionsRequest request;
    request.set_parent(parent);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::ListFunctions, request);
  }

  Result<aln::Function> GetFunction(const std::string& name, std::string_view token = kAcmeViewer) {
    aln::GetFunctionRequest request;
    request.set_name(name);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::GetFunction, request);
  }

  Result<aln::Function> CreateFunction(const std::string& function_id,
                                       const aln::Function& function,
                                       std::string_view token = kAcmeAdmin,
                                       const std::string& request_id = "") {
    aln::CreateFunctionRequest request;
    request.set_parent(kAcme);
    request.set_function_id(function_id);
    *request.mutable_function() = function;
    request.set_request_id(request_id);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::CreateFunction, request);
  }

  Result<aln::Function> UpdateFunction(const aln::Function& function,
                                       std::vector<std::string> paths,
                                       std::string_view token = kAcmeAdmin) {
    aln::UpdateFunctionRequest request;
    *request.mutable_function() = function;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return Call(*alignment_, token, &aln::AlignmentService::Stub::UpdateFunction, request);
  }

  grpc::Status DeleteFunction(const std::string& name, std::string_view token = kAcmeAdmin) {
    aln::DeleteFunctionRequest request;
    request.set_name(name);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::DeleteFunction, request).status;
  }

  // Gives every default function its owner and escalation owner (Owners()).
  void AssignOwners() {
    for (const auto& owner : Owners()) {
      aln::Function function;
      function.set_name(owner.function());
      function.set_owner(owner.principal);
      function.set_escalation_owner(owner.escalation_owner);
      auto updated = UpdateFunction(function, {"owner", "escalation_owner"});
      ASSERT_TRUE(updated.ok()) << owner.function_id << ": " << Describe(updated.status);
    }
  }

  // ---------------------------------------------------------------------------- commitments

  Result<aln::Commitment> CreateCommitment(const std::string& offering,
                                           const std::string& function_id,
                                           const aln::Commitment& commitment,
                                           std::string_view token = kAcmeEditor,
                                           const std::string& request_id = "") {
    aln::CreateCommitmentRequest request;
    request.set_parent(offering);
    request.set_function_id(function_id);
    *request.mutable_commitment() = commitment;
    request.set_request_id(request_id);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::CreateCommitment, request);
  }

  Result<aln::Commitment> GetCommitment(const std::string& name,
                                        std::string_view token = kAcmeViewer) {
    aln::GetCommitmentRequest request;
    request.set_name(name);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::GetCommitment, request);
  }

  Result<aln::ListCommitmentsResponse> ListCommitments(const std::string& offering,
                                                       std::string_view token = kAcmeViewer) {
    aln::ListCommitmentsRequest request;
    request.set_parent(offering);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::ListCommitments, request);
  }

  Result<aln::Commitment> UpdateCommitment(const aln::Commitment& commitment,
                                           std::vector<std::string> paths,
                                           std::string_view token = kAcmeEditor) {
    aln::UpdateCommitmentRequest request;
    *request.mutable_commitment() = commitment;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return Call(*alignment_, token, &aln::AlignmentService::Stub::UpdateCommitment, request);
  }

  Result<aln::Commitment> ConfirmCommitment(const std::string& name,
                                            std::string_view token = kAcmeEditor,
                                            const std::string& etag = "",
                                            const std::string& request_id = "") {
    aln::ConfirmCommitmentRequest request;
    request.set_name(name);
    request.set_etag(etag);
    request.set_request_id(request_id);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::ConfirmCommitment, request);
  }

  // ---------------------------------------------------------------------------------- tasks

  Result<aln::Task> GetTask(const std::string& name, std::string_view token = kAcmeViewer) {
    aln::GetTaskRequest request;
    request.set_name(name);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::GetTask, request);
  }

  Result<aln::ListTasksResponse> ListTasks(const std::string& filter = "",
                                           std::string_view token = kAcmeViewer,
                                           const std::string& parent = kAcme, int page_size = 0,
                                           const std::string& page_token = "") {
    aln::ListTasksRequest request;
    request.set_parent(parent);
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::ListTasks, request);
  }

  // Every task matching `filter`, following next_page_token; fails the test on an error.
  std::vector<aln::Task> AllTasks(const std::string& filter = "",
                                  std::string_view token = kAcmeViewer,
                                  const std::string& parent = kAcme) {
    std::vector<aln::Task> tasks;
    std::string page_token;
    do {
      auto page = ListTasks(filter, token, parent, 1000, page_token);
      EXPECT_TRUE(page.ok()) << Describe(page.status);
      if (!page.ok()) break;
      for (const auto& task : page.value.tasks()) tasks.push_back(task);
      page_token = page.value.next_page_token();
    } while (!page_token.empty());
    return tasks;
  }

  // The tasks that `matches` accepts, waiting until there are at least `count` of them;
  // fails the test when they do not arrive in time.
  std::vector<aln::Task> WaitForTasks(const std::function<bool(const aln::Task&)>& matches,
                                      size_t count, absl::Duration timeout = kTaskTimeout,
                                      std::string_view token = kAcmeViewer,
                                      const std::string& parent = kAcme) {
    std::vector<aln::Task> found;
    const bool arrived = throughline::testing::WaitFor(
        [&] {
          found.clear();
          for (auto& task : AllTasks("", token, parent)) {
            if (matches(task)) found.push_back(std::move(task));
          }
          return found.size() >= count;
        },
        timeout);
    EXPECT_TRUE(arrived) << "expected " << count << " tasks, found " << found.size();
    return found;
  }

  Result<aln::Task> Acknowledge(const std::string& name, std::string_view token = kAcmeEditor,
                                const std::string& etag = "", const std::string& request_id = "") {
    aln::AcknowledgeTaskRequest request;
    request.set_name(name);
    request.set_etag(etag);
    request.set_request_id(request_id);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::AcknowledgeTask, request);
  }

  Result<aln::Task> Resolve(const std::string& name, const aln::Resolution& resolution,
                            std::string_view token = kAcmeEditor, const std::string& etag = "",
                            const std::string& request_id = "") {
    aln::ResolveTaskRequest request;
    request.set_name(name);
    *request.mutable_resolution() = resolution;
    request.set_etag(etag);
    request.set_request_id(request_id);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::ResolveTask, request);
  }

  static aln::Resolution Reaffirmed(std::string reason = "Reviewed our areas: the design holds.") {
    aln::Resolution resolution;
    resolution.set_kind(aln::Resolution::REAFFIRMED);
    resolution.set_reason(std::move(reason));
    return resolution;
  }

  static aln::Resolution Revised(const std::vector<std::string>& changed) {
    aln::Resolution resolution;
    resolution.set_kind(aln::Resolution::REVISED);
    for (const auto& name : changed) resolution.add_changed_resources(name);
    return resolution;
  }

  // ----------------------------------------------------------------------- status, preview

  Result<aln::AlignmentStatus> Status(const std::string& offering,
                                      std::string_view token = kAcmeViewer) {
    aln::GetAlignmentStatusRequest request;
    request.set_offering(offering);
    return Call(*alignment_, token, &aln::AlignmentService::Stub::GetAlignmentStatus, request);
  }

  Result<aln::PreviewSegmentChangeResponse> Preview(const seg::Segment& segment,
                                                    std::vector<std::string> paths,
                                                    std::string_view token = kAcmeViewer) {
    aln::PreviewSegmentChangeRequest request;
    *request.mutable_segment() = segment;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return Call(*alignment_, token, &aln::AlignmentService::Stub::PreviewSegmentChange, request);
  }

  // -------------------------------------------------------------------- reference scenario

  // Market "Cloud databases" with segments "DIY power users" (TARGETED) and "One-click
  // customers" (CANDIDATE).
  void CreateReferenceSegments() {
    auto market = CreateMarket(kMarketId, CloudDatabases());
    ASSERT_TRUE(market.ok()) << Describe(market.status);
    auto diy = CreateSegment(kMarket, "diy-power-users", DiyPowerUsers());
    ASSERT_TRUE(diy.ok()) << Describe(diy.status);
    auto oneclick = CreateSegment(kMarket, "one-click-customers", OneClickCustomers());
    ASSERT_TRUE(oneclick.ok()) << Describe(oneclick.status);
  }

  // "Managed PostgreSQL" for the DIY users with engineering's "Hide most knobs to accelerate
  // launch" accepted.
  void CreateReferenceOffering() {
    auto offering = CreateOffering(kManagedPostgresId, ManagedPostgres());
    ASSERT_TRUE(offering.ok()) << Describe(offering.status);
    auto decision = CreateDecision(kManagedPostgres, "hide-most-knobs", HideMostKnobs());
    ASSERT_TRUE(decision.ok()) << Describe(decision.status);
  }

 private:
  template <typename Stub, typename Request, typename Response>
  static Result<Response> Call(Stub& stub, std::string_view token,
                               grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                            Response*),
                               const Request& request) {
    Result<Response> result;
    auto context = Authorized(token);
    result.status = (stub.*method)(context.get(), request, &result.value);
    return result;
  }

  std::unique_ptr<seg::SegmentService::Stub> segments_;
  std::unique_ptr<off::OfferingService::Stub> offerings_;
  std::shared_ptr<grpc::Channel> alignment_channel_;
  std::unique_ptr<aln::AlignmentService::Stub> alignment_;
};

// One WatchTasks stream read on its own thread, as a planning tool would hold it open. Every
// message is kept; tests wait for what they expect with a deadline.
class TaskWatcher {
 public:
  // Exactly one of `owner` and `function` (a function resource name).
  TaskWatcher(aln::AlignmentService::Stub& stub, std::string_view token, std::string owner,
              std::string function = "", std::string after_cursor = "",
              std::string parent = kAcme) {
    context_.AddMetadata("authorization", absl::StrCat("Bearer ", std::string(token)));
    // A stream that outlives every test is a bug in the test, not a reason to hang.
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(2)));
    request_.set_parent(std::move(parent));
    request_.set_owner(std::move(owner));
    request_.set_function(std::move(function));
    request_.set_after_cursor(std::move(after_cursor));
    thread_ = std::thread([this, &stub] { Read(stub); });
  }

  TaskWatcher(const TaskWatcher&) = delete;
  TaskWatcher& operator=(const TaskWatcher&) = delete;

  ~TaskWatcher() { Stop(); }

  // Cancels the stream and waits for the reader to end.
  void Stop() {
    context_.TryCancel();
    if (thread_.joinable()) thread_.join();
  }

  // Waits until `condition` holds for the messages received so far (or the stream ends).
  // `condition` runs under the watcher's lock: it must not call the watcher.
  bool WaitUntil(const std::function<bool(const std::vector<aln::WatchTasksResponse>&)>& condition,
                 absl::Duration timeout = kTaskTimeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] {
      return condition(messages_) || ended_;
    }) && condition(messages_);
  }

  // Waits for a message satisfying `matches`.
  bool WaitForTask(const std::function<bool(const aln::WatchTasksResponse&)>& matches,
                   absl::Duration timeout = kTaskTimeout) {
    return WaitUntil(
        [&](const std::vector<aln::WatchTasksResponse>& messages) {
          for (const auto& message : messages) {
            if (matches(message)) return true;
          }
          return false;
        },
        timeout);
  }

  // Waits for the stream to end; false when it is still open after `timeout`.
  bool WaitForEnd(absl::Duration timeout = kTaskTimeout) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] { return ended_; });
  }

  std::vector<aln::WatchTasksResponse> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }

  // Whether the stream has ended, and how.
  bool ended() const {
    std::lock_guard lock(mu_);
    return ended_;
  }
  grpc::Status status() const {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  void Read(aln::AlignmentService::Stub& stub) {
    auto reader = stub.WatchTasks(&context_, request_);
    aln::WatchTasksResponse response;
    while (reader->Read(&response)) {
      std::lock_guard lock(mu_);
      messages_.push_back(response);
      changed_.notify_all();
    }
    grpc::Status status = reader->Finish();
    std::lock_guard lock(mu_);
    status_ = std::move(status);
    ended_ = true;
    changed_.notify_all();
  }

  grpc::ClientContext context_;
  aln::WatchTasksRequest request_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<aln::WatchTasksResponse> messages_;
  bool ended_ = false;
  grpc::Status status_;
  std::thread thread_;
};

}  // namespace throughline::alignment::testing
