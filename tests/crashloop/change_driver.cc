#include "tests/crashloop/change_driver.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "throughline/type/v1/need.pb.h"

namespace throughline::crashloop {
namespace {

namespace off = ::throughline::offering::v1;
namespace seg = ::throughline::segment::v1;
using ::throughline::type::v1::Importance;
using ::throughline::type::v1::Need;

// One attempt of a call gets this long; a killed server fails it much sooner.
constexpr absl::Duration kAttemptTimeout = absl::Seconds(5);
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(20);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);

Need MakeNeed(std::string dimension, Importance importance) {
  Need need;
  need.set_dimension(std::move(dimension));
  need.set_importance(importance);
  return need;
}

// Three needs lists; a segment always moves to the next one, so every update changes its needs
// (an update that changes nothing would commit no revision and no event).
std::vector<Need> NeedsVariant(int variant) {
  switch (variant % 3) {
    case 0:
      return {MakeNeed("configurability", type::v1::CRITICAL), MakeNeed("tuning", type::v1::HIGH)};
    case 1:
      return {MakeNeed("configurability", type::v1::CRITICAL), MakeNeed("tuning", type::v1::LOW),
              MakeNeed("simplicity", type::v1::HIGH)};
    default:
      return {MakeNeed("configurability", type::v1::HIGH),
              MakeNeed("simplicity", type::v1::CRITICAL)};
  }
}

bool SameNeeds(const google::protobuf::RepeatedPtrField<Need>& stored,
               const std::vector<Need>& wanted) {
  if (stored.size() != static_cast<int>(wanted.size())) return false;
  for (size_t i = 0; i < wanted.size(); ++i) {
    const Need& need = stored[static_cast<int>(i)];
    if (need.dimension() != wanted[i].dimension() || need.importance() != wanted[i].importance()) {
      return false;
    }
  }
  return true;
}

// Errors that retrying the same request cannot fix: a bug in the driver or in the service.
bool IsFatal(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT || code == grpc::StatusCode::NOT_FOUND ||
         code == grpc::StatusCode::PERMISSION_DENIED || code == grpc::StatusCode::UNAUTHENTICATED ||
         code == grpc::StatusCode::UNIMPLEMENTED;
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    default:
      return absl::StrCat("code ", static_cast<int>(code));
  }
}

absl::Status Failed(const std::string& what, const grpc::Status& status) {
  return absl::InternalError(
      absl::StrCat(what, ": ", CodeName(status.error_code()), " ", status.error_message()));
}

// Channels that reconnect within a second of a restarted server, instead of gRPC's default
// backoff of up to two minutes after repeated failures.
std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

ChangeDriver::ChangeDriver(DriverOptions options)
    : options_(std::move(options)),
      segments_(seg::SegmentService::NewStub(Channel(options_.segment_address))),
      offerings_(off::OfferingService::NewStub(Channel(options_.offering_address))),
      needs_variant_(options_.steady.size(), -1) {}

ChangeDriver::~ChangeDriver() { Stop(); }

void ChangeDriver::Start() {
  stopping_ = false;
  threads_.emplace_back([this] { Loop(/*segments=*/true); });
  threads_.emplace_back([this] { Loop(/*segments=*/false); });
}

void ChangeDriver::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    changed_.notify_all();
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void ChangeDriver::Pause(absl::Duration delay) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, absl::ToChronoNanoseconds(delay), [this] { return Stopping(); });
}

void ChangeDriver::Loop(bool segments) {
  while (!Stopping()) {
    auto change = segments ? ChangeNextSegment() : RetargetNextOffering();
    if (!change.ok()) {
      Fail(change.status());
      return;
    }
    Pause(options_.interval);
  }
}

absl::StatusOr<Change> ChangeDriver::ChangeNextSegment() {
  const size_t index = next_segment_;
  next_segment_ = (next_segment_ + 1) % options_.steady.size();
  SteadySegment& steady = options_.steady[index];
  const int variant = needs_variant_[index] + 1;
  const std::vector<Need> needs = NeedsVariant(variant);
  const int64_t base = steady.segment.revision();

  seg::UpdateSegmentRequest request;
  request.mutable_segment()->set_name(steady.segment.name());
  // The etag makes the update apply at most once however often it is sent.
  request.mutable_segment()->set_etag(steady.segment.etag());
  for (const auto& need : needs) *request.mutable_segment()->add_needs() = need;
  request.mutable_update_mask()->add_paths("needs");

  const absl::Time give_up = absl::Now() + options_.give_up_after;
  absl::Duration backoff = kFirstBackoff;
  auto commit = [&](seg::Segment updated) -> absl::StatusOr<Change> {
    Change change{Change::Kind::kSegmentNeeds, updated.name(), updated.revision(),
                  steady.offerings};
    steady.segment = std::move(updated);
    needs_variant_[index] = variant;
    Record(change);
    return change;
  };
  while (absl::Now() < give_up) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
    context.set_deadline(absl::ToChronoTime(absl::Now() + kAttemptTimeout));
    seg::Segment updated;
    const grpc::Status status = segments_->UpdateSegment(&context, request, &updated);
    if (status.ok()) {
      if (updated.revision() != base + 1) {
        return absl::InternalError(absl::StrCat("update of ", updated.name(), " at revision ", base,
                                                " answered revision ", updated.revision()));
      }
      return commit(std::move(updated));
    }
    if (IsFatal(status.error_code())) return Failed("UpdateSegment", status);
    CountRetry(status);
    if (status.error_code() == grpc::StatusCode::ABORTED) {
      // Stale etag: an earlier attempt whose answer was lost may have committed. Only this
      // driver writes the segment, so the segment itself tells.
      grpc::ClientContext get_context;
      get_context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
      get_context.set_deadline(absl::ToChronoTime(absl::Now() + kAttemptTimeout));
      seg::GetSegmentRequest get;
      get.set_name(steady.segment.name());
      seg::Segment current;
      const grpc::Status read = segments_->GetSegment(&get_context, get, &current);
      if (read.ok()) {
        if (current.revision() == base + 1 && SameNeeds(current.needs(), needs)) {
          return commit(std::move(current));
        }
        if (current.revision() != base) {
          return absl::InternalError(absl::StrCat(current.name(), " is at revision ",
                                                  current.revision(), ", expected ", base, " or ",
                                                  base + 1, " with our needs"));
        }
        // Still at the base revision: the ABORTED was not about our etag; send it again.
      } else if (IsFatal(read.error_code())) {
        return Failed("GetSegment", read);
      } else {
        CountRetry(read);
      }
    }
    absl::SleepFor(backoff);  // retry pacing while a service or the database restarts
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  return absl::DeadlineExceededError(absl::StrCat("needs change of ", steady.segment.name(),
                                                  " not committed after ",
                                                  absl::FormatDuration(options_.give_up_after)));
}

absl::StatusOr<Change> ChangeDriver::RetargetNextOffering() {
  RoamingOffering& roamer = options_.roaming[next_roamer_];
  next_roamer_ = (next_roamer_ + 1) % options_.roaming.size();
  const std::string target =
      roamer.target == options_.harbor_a ? options_.harbor_b : options_.harbor_a;
  const int64_t number = ++retargets_started_;

  off::RetargetOfferingRequest request;
  request.set_name(roamer.name);
  request.set_target_segment(target);
  request.set_rationale(absl::StrCat("Crash loop retarget ", number, " to ", target));
  // The same id on every attempt: a replay returns the first result.
  request.set_request_id(absl::StrCat("crashloop-", options_.seed, "-retarget-", number));

  const absl::Time give_up = absl::Now() + options_.give_up_after;
  absl::Duration backoff = kFirstBackoff;
  while (absl::Now() < give_up) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
    context.set_deadline(absl::ToChronoTime(absl::Now() + kAttemptTimeout));
    off::Offering retargeted;
    const grpc::Status status = offerings_->RetargetOffering(&context, request, &retargeted);
    if (status.ok()) {
      if (retargeted.target_segment() != target) {
        return absl::InternalError(absl::StrCat("retarget of ", roamer.name, " to ", target,
                                                " answered ", retargeted.target_segment()));
      }
      roamer.target = target;
      Change change{Change::Kind::kRetarget, roamer.name, retargeted.revision(), {roamer.name}};
      Record(change);
      return change;
    }
    if (IsFatal(status.error_code())) return Failed("RetargetOffering", status);
    CountRetry(status);
    absl::SleepFor(backoff);  // retry pacing while a service or the database restarts
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  return absl::DeadlineExceededError(absl::StrCat("retarget of ", roamer.name,
                                                  " not committed after ",
                                                  absl::FormatDuration(options_.give_up_after)));
}

void ChangeDriver::Record(Change change) {
  std::lock_guard lock(mu_);
  committed_.push_back(std::move(change));
  changed_.notify_all();
}

void ChangeDriver::CountRetry(const grpc::Status& status) {
  std::lock_guard lock(mu_);
  ++retries_[CodeName(status.error_code())];
}

void ChangeDriver::Fail(absl::Status status) {
  std::lock_guard lock(mu_);
  if (status_.ok()) status_ = std::move(status);
  changed_.notify_all();
}

std::vector<Change> ChangeDriver::committed() const {
  std::lock_guard lock(mu_);
  return committed_;
}

int64_t ChangeDriver::committed_count() const {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(committed_.size());
}

bool ChangeDriver::WaitForCommitted(int64_t count, absl::Duration timeout) const {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] {
    return static_cast<int64_t>(committed_.size()) >= count || !status_.ok();
  });
  return static_cast<int64_t>(committed_.size()) >= count;
}

std::map<std::string, int> ChangeDriver::retries() const {
  std::lock_guard lock(mu_);
  return retries_;
}

absl::Status ChangeDriver::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

}  // namespace throughline::crashloop
