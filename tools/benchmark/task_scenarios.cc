#include "tools/benchmark/task_scenarios.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"
#include "tools/benchmark/bench_data.h"
#include "tools/benchmark/load.h"

namespace throughline::benchmark {
namespace {

namespace seg = segment::v1;
namespace off = offering::v1;
namespace aln = alignment::v1;

// The functions every organization has (DESIGN.md §3).
const char* const kFunctions[] = {"product", "engineering", "operations", "sales", "support"};

absl::Status Failed(const std::string& what, const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

// One owner's WatchTasks stream, read on its own thread: when each new task arrived, by the
// segment and revision it is about. (The segment matters: when a function gets a new owner,
// its open tasks about other segments move to that owner and arrive in the stream's backlog.)
class TaskInbox {
 public:
  TaskInbox(aln::AlignmentService::Stub& stub, const ClientOptions& options, std::string owner)
      : stub_(stub), owner_(std::move(owner)) {
    context_.AddMetadata("authorization", "Bearer " + options.token);
    thread_ = std::thread([this] { Read(); });
  }
  ~TaskInbox() {
    context_.TryCancel();
    thread_.join();
  }

  const std::string& owner() const { return owner_; }

  // Waits until `count` tasks about `revision` have arrived or `deadline` passes; returns the
  // arrival times seen by then.
  std::vector<absl::Time> Await(const std::string& segment, int64_t revision, size_t count,
                                absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    const auto key = std::make_pair(segment, revision);
    while (arrivals_[key].size() < count && !ended_ && absl::Now() < deadline) {
      arrived_.WaitWithDeadline(&mu_, deadline);
    }
    return arrivals_[key];
  }

  // How many messages repeated a task already received.
  int64_t Repeats() {
    absl::MutexLock lock(&mu_);
    return repeats_;
  }

  // Why the stream ended, if it did.
  std::string Ended() {
    absl::MutexLock lock(&mu_);
    return ended_ ? ended_status_ : "";
  }

 private:
  void Read() {
    aln::WatchTasksRequest request;
    request.set_parent(kOrganization);
    request.set_owner(owner_);
    auto reader = stub_.WatchTasks(&context_, request);
    aln::WatchTasksResponse response;
    while (reader->Read(&response)) {
      const absl::Time now = absl::Now();
      if (response.kind() != aln::WatchTasksResponse::CREATED &&
          response.kind() != aln::WatchTasksResponse::BACKLOG) {
        continue;  // state changes of earlier tasks (superseded)
      }
      absl::MutexLock lock(&mu_);
      // A task sent twice (say as CREATED and again as BACKLOG) counts once, at its first
      // arrival; the repeats are reported.
      if (!seen_.insert(response.task().name()).second) {
        ++repeats_;
        continue;
      }
      arrivals_[{response.task().segment(), response.task().segment_revision()}].push_back(now);
      arrived_.SignalAll();
    }
    const grpc::Status status = reader->Finish();
    absl::MutexLock lock(&mu_);
    ended_ = true;
    ended_status_ = absl::StrCat(CodeName(status.error_code()), ": ", status.error_message());
    arrived_.SignalAll();
  }

  aln::AlignmentService::Stub& stub_;
  const std::string owner_;
  grpc::ClientContext context_;
  absl::Mutex mu_;
  absl::CondVar arrived_;
  std::map<std::pair<std::string, int64_t>, std::vector<absl::Time>> arrivals_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> seen_ ABSL_GUARDED_BY(mu_);
  int64_t repeats_ ABSL_GUARDED_BY(mu_) = 0;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::string ended_status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once everything above exists
};

// A fresh market, one targeted segment, `offerings` offerings designed for it, and five new
// owners (one per function) watching their tasks. Names carry a run id, so runs never collide
// and each owner's backlog starts empty.
class Scenario {
 public:
  Scenario(const SuiteAddresses& addresses, const ClientOptions& options)
      : options_(options),
        segments_(seg::SegmentService::NewStub(MakeChannels(addresses.segment, 1).front())),
        offerings_(off::OfferingService::NewStub(MakeChannels(addresses.offering, 1).front())),
        alignment_(aln::AlignmentService::NewStub(MakeChannels(addresses.alignment, 1).front())),
        run_(absl::StrCat("r", absl::ToUnixMillis(absl::Now()))) {}

  absl::Status SetUp(int offerings) {
    seg::CreateMarketRequest market_request;
    market_request.set_parent(kOrganization);
    market_request.set_market_id(absl::StrCat("m-", run_));
    market_request.mutable_market()->set_display_name("Cloud databases");
    market_request.mutable_market()->set_decision(seg::Market::COMPETE);
    market_request.mutable_market()->set_rationale("Managed database spend grows fast.");
    seg::Market market;
    if (auto s = segments_->CreateMarket(Context().get(), market_request, &market); !s.ok()) {
      return Failed("CreateMarket", s);
    }
    seg::CreateSegmentRequest segment_request;
    segment_request.set_parent(market.name());
    segment_request.set_segment_id("diy-power-users");
    *segment_request.mutable_segment() = BenchSegment();
    seg::Segment segment;
    if (auto s = segments_->CreateSegment(Context().get(), segment_request, &segment); !s.ok()) {
      return Failed("CreateSegment", s);
    }
    segment_ = segment.name();
    for (const char* function : kFunctions) {
      aln::UpdateFunctionRequest request;
      request.mutable_function()->set_name(absl::StrCat(kOrganization, "/functions/", function));
      request.mutable_function()->set_owner(absl::StrCat(function, "-", run_, "@bench.example"));
      request.mutable_update_mask()->add_paths("owner");
      aln::Function updated;
      if (auto s = alignment_->UpdateFunction(Context().get(), request, &updated); !s.ok()) {
        return Failed("UpdateFunction", s);
      }
      inboxes_.push_back(std::make_unique<TaskInbox>(*alignment_, options_, updated.owner()));
    }
    for (int i = 0; i < offerings; ++i) {
      off::CreateOfferingRequest request;
      request.set_parent(kOrganization);
      request.set_offering_id(absl::StrCat("o-", run_, "-", i));
      auto* offering = request.mutable_offering();
      offering->set_display_name(absl::StrCat("Managed PostgreSQL ", i));
      offering->set_target_segment(segment_);
      offering->set_value_proposition("PostgreSQL you fully control.");
      offering->set_rationale("DIY power users are underserved by opaque managed databases.");
      off::Offering created;
      if (auto s = offerings_->CreateOffering(Context().get(), request, &created); !s.ok()) {
        return Failed("CreateOffering", s);
      }
    }
    return absl::OkStatus();
  }

  // A change of the segment's needs (a new note each time), which triggers one task per
  // offering and function.
  seg::UpdateSegmentRequest Change() {
    seg::UpdateSegmentRequest request;
    seg::Segment* segment = request.mutable_segment();
    *segment = BenchSegment();
    segment->set_name(segment_);
    segment->mutable_needs(0)->set_note(absl::StrCat("change ", changes_.fetch_add(1)));
    request.mutable_update_mask()->add_paths("needs");
    return request;
  }

  // Sends one change and returns the revision it made.
  absl::StatusOr<int64_t> ChangeNow() {
    seg::Segment updated;
    if (auto s = segments_->UpdateSegment(Context().get(), Change(), &updated); !s.ok()) {
      return Failed("UpdateSegment", s);
    }
    return updated.revision();
  }

  // The arrival times of the tasks about `revision`, `per_owner` expected by each owner.
  absl::StatusOr<std::vector<std::vector<absl::Time>>> AwaitTasks(int64_t revision,
                                                                  size_t per_owner,
                                                                  absl::Time deadline) {
    std::vector<std::vector<absl::Time>> arrivals;
    for (auto& inbox : inboxes_) {
      arrivals.push_back(inbox->Await(segment_, revision, per_owner, deadline));
      if (arrivals.back().size() < per_owner) {
        const std::string ended = inbox->Ended();
        return absl::DeadlineExceededError(
            absl::StrCat(inbox->owner(), " received ", arrivals.back().size(), " of ", per_owner,
                         " tasks about revision ", revision, " in time",
                         ended.empty() ? "" : absl::StrCat(" (stream ended: ", ended, ")")));
      }
    }
    return arrivals;
  }

  seg::SegmentService::Stub& segments() { return *segments_; }

  // Messages that repeated a task already received, over the five streams.
  int64_t Repeats() {
    int64_t repeats = 0;
    for (auto& inbox : inboxes_) repeats += inbox->Repeats();
    return repeats;
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    Prepare(*context, options_);
    return context;
  }

  const ClientOptions options_;
  std::unique_ptr<seg::SegmentService::Stub> segments_;
  std::unique_ptr<off::OfferingService::Stub> offerings_;
  std::unique_ptr<aln::AlignmentService::Stub> alignment_;
  const std::string run_;
  std::string segment_;
  std::atomic<int64_t> changes_{0};
  std::vector<std::unique_ptr<TaskInbox>> inboxes_;
};

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

absl::StatusOr<ScenarioResult> RunFanout(const SuiteAddresses& addresses,
                                         const ClientOptions& options,
                                         const FanoutOptions& fanout) {
  Scenario scenario(addresses, options);
  if (absl::Status set_up = scenario.SetUp(fanout.offerings); !set_up.ok()) return set_up;
  const size_t per_owner = static_cast<size_t>(fanout.offerings);
  std::vector<double> all_ms, first_ms;
  std::vector<std::string> owner_ms;
  // Round 0 is the warm-up: it also proves the five streams are live before measuring.
  for (int round = 0; round <= fanout.rounds; ++round) {
    const absl::Time sent = absl::Now();
    auto revision = scenario.ChangeNow();
    if (!revision.ok()) return revision.status();
    auto arrivals = scenario.AwaitTasks(*revision, per_owner, sent + fanout.timeout);
    if (!arrivals.ok()) return arrivals.status();
    if (round == 0) continue;
    absl::Time last = sent, first = absl::InfiniteFuture();
    std::vector<std::string> owners;
    for (const auto& times : *arrivals) {
      const absl::Time owner_last = *std::max_element(times.begin(), times.end());
      last = std::max(last, owner_last);
      first = std::min(first, *std::min_element(times.begin(), times.end()));
      owners.push_back(absl::StrFormat("%.1f", Ms(owner_last - sent)));
    }
    all_ms.push_back(Ms(last - sent));
    first_ms.push_back(Ms(first - sent));
    owner_ms.push_back(absl::StrCat("[", absl::StrJoin(owners, ","), "]"));
  }
  std::vector<double> sorted = all_ms;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.empty() ? 0 : sorted[sorted.size() / 2];
  const double worst = sorted.empty() ? 0 : sorted.back();
  const auto join = [](const std::vector<double>& v) {
    return absl::StrJoin(v, ",", [](std::string* out, double d) {
      absl::StrAppend(out, absl::StrFormat("%.1f", d));
    });
  };
  ScenarioResult result;
  result.json =
      absl::StrFormat(R"({"offerings":%d,"functions":5,"tasks_per_round":%d,"rounds_ms":[%s],)"
                      R"("first_task_ms":[%s],"per_owner_ms":[%s],"median_ms":%.1f,"max_ms":%.1f,)"
                      R"("repeated_messages":%d})",
                      fanout.offerings, fanout.offerings * 5, join(all_ms), join(first_ms),
                      absl::StrJoin(owner_ms, ","), median, worst, scenario.Repeats());
  result.text = absl::StrFormat(
      "fanout: 1 change -> %d offerings x 5 functions = %d tasks; all delivered to all five "
      "owners in %s ms (median %.1f, max %.1f); first task after %s ms",
      fanout.offerings, fanout.offerings * 5, join(all_ms), median, worst, join(first_ms));
  return result;
}

absl::StatusOr<ScenarioResult> RunDelivery(const SuiteAddresses& addresses,
                                           const ClientOptions& options,
                                           const DeliveryOptions& delivery) {
  Scenario scenario(addresses, options);
  if (absl::Status set_up = scenario.SetUp(delivery.offerings); !set_up.ok()) return set_up;
  const size_t per_owner = static_cast<size_t>(delivery.offerings);
  // Warm-up: one change delivered proves the streams are live.
  {
    auto revision = scenario.ChangeNow();
    if (!revision.ok()) return revision.status();
    auto arrivals = scenario.AwaitTasks(*revision, per_owner, absl::Now() + delivery.timeout);
    if (!arrivals.ok()) return arrivals.status();
  }

  // The intended send time of the change that made each revision.
  absl::Mutex mu;
  std::map<int64_t, absl::Time> intended_of;
  seg::SegmentService::Stub* stub = &scenario.segments();
  LoadOptions load;
  load.rate = delivery.rate;
  load.warmup = absl::ZeroDuration();
  load.duration = delivery.duration;
  const LoadReport changes = RunLoad(load, [&](absl::Time intended, CallDone done) {
    StartUnaryCall<seg::UpdateSegmentRequest, seg::Segment>(
        options, scenario.Change(),
        [stub](auto* context, auto* request, auto* reply, auto callback) {
          stub->async()->UpdateSegment(context, request, reply, std::move(callback));
        },
        [&mu, &intended_of, intended, done](const grpc::Status& status,
                                            const seg::Segment& updated) {
          if (status.ok()) {
            absl::MutexLock lock(&mu);
            intended_of[updated.revision()] = intended;
          }
          done(status);
        });
  });

  // Every owner must receive one task per offering for every change.
  std::vector<absl::Duration> latencies;
  int64_t missing = 0;
  std::string first_missing;
  const absl::Time deadline = absl::Now() + delivery.timeout;
  absl::MutexLock lock(&mu);
  for (const auto& [revision, intended] : intended_of) {
    auto arrivals = scenario.AwaitTasks(revision, per_owner, deadline);
    if (!arrivals.ok()) {
      ++missing;
      if (first_missing.empty()) first_missing = std::string(arrivals.status().message());
      continue;
    }
    for (const auto& times : *arrivals) {
      for (absl::Time arrived : times) latencies.push_back(arrived - intended);
    }
  }
  const LatencySummary summary = Summarize(latencies);
  ScenarioResult result;
  result.json = absl::StrFormat(
      R"({"rate":%.1f,"seconds":%.1f,"offerings":%d,"functions":5,"changes":%d,)"
      R"("change_errors":%d,"changes_missing_tasks":%d,"repeated_messages":%d,"delivery":%s,)"
      R"("change_calls":%s})",
      delivery.rate, absl::ToDoubleSeconds(delivery.duration), delivery.offerings,
      intended_of.size(), changes.errors, missing, scenario.Repeats(), ToJson(summary),
      ToJson(changes));
  result.text = absl::StrFormat(
      "delivery: %d changes at %.0f/s, %d tasks; change -> task on the owner's stream ms: "
      "p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f; %d change errors, %d changes with "
      "missing tasks, %d repeated messages%s\n  the UpdateSegment calls themselves: %s",
      intended_of.size(), delivery.rate, summary.count, summary.p50_ms, summary.p90_ms,
      summary.p99_ms, summary.p999_ms, summary.max_ms, changes.errors, missing, scenario.Repeats(),
      first_missing.empty() ? "" : absl::StrCat(" (", first_missing, ")"), ToText(changes));
  return result;
}

}  // namespace throughline::benchmark
