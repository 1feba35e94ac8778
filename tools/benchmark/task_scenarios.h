// The push scenarios: how long a strategy change takes to reach the functional owners'
// WatchTasks streams, through the real segmentd -> alignmentd (-> offeringd) path.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/benchmark/client.h"

namespace throughline::benchmark {

struct SuiteAddresses {
  std::string segment;
  std::string offering;
  std::string alignment;
};

struct ScenarioResult {
  std::string json;  // one object
  std::string text;  // lines for people
};

struct FanoutOptions {
  int offerings = 100;
  int rounds = 3;
  // How long a round may take before it counts as failed.
  absl::Duration timeout = absl::Seconds(60);
};

// One change of a segment that `offerings` offerings target: the time from sending it until
// each of the five owners has received its `offerings` new tasks; `rounds` times, after an
// unmeasured warm-up round.
absl::StatusOr<ScenarioResult> RunFanout(const SuiteAddresses& addresses,
                                         const ClientOptions& options, const FanoutOptions& fanout);

struct DeliveryOptions {
  // Segment changes per second (open loop).
  double rate = 100;
  absl::Duration duration = absl::Seconds(10);
  int offerings = 1;
  // How long the tasks of the last change may take to arrive; long, so that a backlog is
  // measured (and drained before the next scenario) rather than reported as missing.
  absl::Duration timeout = absl::Seconds(300);
};

// Changes of one targeted segment at a fixed rate; for each change and each of the five
// owners, the time from the change's intended send time until the task arrives on the owner's
// stream.
absl::StatusOr<ScenarioResult> RunDelivery(const SuiteAddresses& addresses,
                                           const ClientOptions& options,
                                           const DeliveryOptions& delivery);

}  // namespace throughline::benchmark
