// The crash loop's steady stream of strategy changes against the real services: needs changes
// of the "steady" segments (each targeted by offerings that never move) and retargets of the
// "roaming" offerings between two harbor segments that never change. A call that fails because
// something was killed is retried until the change is known to be committed exactly once:
// retargets with the same request_id (a replay returns the first result), needs changes with
// the same etag (a replay of a committed change is ABORTED; the segment then shows whether it
// was). The driver's record of committed changes is what the checker expects tasks for.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::crashloop {

// One committed change, as a trigger of re-evaluation tasks (DESIGN.md §5).
struct Change {
  enum class Kind { kSegmentNeeds, kRetarget };
  Kind kind = Kind::kSegmentNeeds;
  std::string subject;   // the segment or offering changed: the trigger's subject
  int64_t revision = 0;  // its revision after the change: the trigger's revision
  // The offerings that must get one task per function for this change.
  std::vector<std::string> offerings;
};

// A segment whose needs the driver changes, with the offerings that target it for good.
struct SteadySegment {
  segment::v1::Segment segment;  // as created (name, etag, revision)
  std::vector<std::string> offerings;
};

// An offering the driver moves between the two harbor segments.
struct RoamingOffering {
  std::string name;
  std::string target;  // its target segment now
};

struct DriverOptions {
  std::string segment_address;
  std::string offering_address;
  std::string token;  // an editor of the organization
  std::vector<SteadySegment> steady;
  std::vector<RoamingOffering> roaming;
  std::string harbor_a;
  std::string harbor_b;
  // Pause between two committed changes of one stream.
  absl::Duration interval = absl::Milliseconds(100);
  uint64_t seed = 0;
  // A change that cannot commit for this long stops the driver with an error.
  absl::Duration give_up_after = absl::Seconds(120);
};

class ChangeDriver {
 public:
  explicit ChangeDriver(DriverOptions options);
  ChangeDriver(const ChangeDriver&) = delete;
  ChangeDriver& operator=(const ChangeDriver&) = delete;
  ~ChangeDriver();  // Stop()

  // Two streams on their own threads: needs changes, retargets.
  void Start();
  // Lets each stream bring its change in flight to a commit, then joins them.
  void Stop();

  // One more change of each kind, on the calling thread; only while stopped.
  absl::StatusOr<Change> ChangeNextSegment();
  absl::StatusOr<Change> RetargetNextOffering();

  std::vector<Change> committed() const;
  int64_t committed_count() const;
  // Waits until at least `count` changes are committed (or the driver failed).
  bool WaitForCommitted(int64_t count, absl::Duration timeout) const;
  // Failed attempts that were retried, by gRPC status code name.
  std::map<std::string, int> retries() const;
  // The first error that stopped a stream; OK while all is well.
  absl::Status status() const;

 private:
  void Loop(bool segments);
  void Record(Change change);
  void CountRetry(const grpc::Status& status);
  void Fail(absl::Status status);
  bool Stopping() const { return stopping_.load(); }
  // Waits `delay`, cut short by Stop().
  void Pause(absl::Duration delay);

  DriverOptions options_;
  std::unique_ptr<segment::v1::SegmentService::Stub> segments_;
  std::unique_ptr<offering::v1::OfferingService::Stub> offerings_;
  // Stream state: each is used by one thread at a time.
  size_t next_segment_ = 0;
  size_t next_roamer_ = 0;
  std::vector<int> needs_variant_;  // per steady segment
  int64_t retargets_started_ = 0;

  std::atomic<bool> stopping_ = false;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<Change> committed_;       // guarded by mu_
  std::map<std::string, int> retries_;  // guarded by mu_
  absl::Status status_;                 // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace throughline::crashloop
