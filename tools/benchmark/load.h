// The load generator's engine: drives asynchronous calls in closed loop (a fixed number in
// flight) or open loop (a fixed arrival rate), and summarizes their latencies.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace throughline::benchmark {

struct LoadOptions {
  // Closed loop: this many calls in flight, each completion starts the next one.
  int concurrency = 8;
  // Open loop when > 0: calls start at this rate (per second) whatever the completions do, and
  // a call's latency is measured from its intended start, so queueing is not hidden (no
  // coordinated omission). `concurrency` is then ignored.
  double rate = 0;
  // In open loop, a call that would exceed this many in flight is not sent and counts as
  // "dropped": the client never waits for the server, and its memory stays bounded.
  int max_in_flight = 10000;
  // Completions in the first `warmup` are not measured.
  absl::Duration warmup = absl::Seconds(1);
  // The measured window, after the warm-up.
  absl::Duration duration = absl::Seconds(10);
};

// Reports the outcome of one call; thread-safe, called exactly once per call.
using CallDone = std::function<void(const grpc::Status&)>;
// Starts one asynchronous call meant to start at `intended`; must not block. `done` may run on
// any thread, including inside StartCall.
using StartCall = std::function<void(absl::Time intended, CallDone done)>;

struct LatencySummary {
  int64_t count = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// Percentiles of `latencies` (any order; sorted in place), by the nearest-rank method.
LatencySummary Summarize(std::vector<absl::Duration>& latencies);

struct LoadReport {
  std::string mode;  // "closed" or "open"
  int concurrency = 0;
  double rate = 0;
  double seconds = 0;                          // the measured window
  int64_t ops = 0;                             // successful calls measured
  int64_t errors = 0;                          // failed calls measured (dropped included)
  int64_t dropped = 0;                         // open loop: not sent, max_in_flight reached
  std::map<std::string, int64_t> error_codes;  // gRPC code name -> count
  double throughput = 0;                       // successful calls per second
  LatencySummary latency;                      // successful calls only
  // The whole machine's processor time over the measured window (/proc/stat), in core-seconds:
  // busy (user, system, interrupts: client, server and database alike) and stolen by the
  // hypervisor (time this machine's cores were meant to run and did not). Zero when /proc/stat
  // is unreadable. Busy time per call moves much less than throughput when the neighbours
  // take the cores for a while (they still disturb the caches).
  double cpu_busy_seconds = 0;
  double cpu_steal_seconds = 0;
  double cpu_us_per_call = 0;  // busy microseconds per successful call
  // Where the busy time went: each process's user and system time over the window
  // (/proc/<pid>/stat), added up by process name (all of PostgreSQL's processes are
  // "postgres"), in core-seconds. A process that ended inside the window is missing; one that
  // started inside it counts from its start.
  std::map<std::string, double> cpu_seconds_by_process;
};

// Runs the load and returns once every started call has completed. When `latencies` is given,
// the latency of every measured successful call is appended to it as well.
LoadReport RunLoad(const LoadOptions& options, const StartCall& start,
                   std::vector<absl::Duration>* latencies = nullptr);

// One round of RunAlternating.
struct Round {
  double target_throughput = 0;
  double baseline_throughput = 0;
  double ratio = 0;  // target / baseline; 0 when the baseline completed nothing
  // baseline's busy CPU per call / target's: the throughput ratio the two would have on cores
  // nobody else takes (the throughput of a saturated machine is its cores over the cost of a
  // call); 0 without CPU figures
  double cost_ratio = 0;
};

struct AlternatingReport {
  LoadReport target;  // the measured calls of every round together
  LoadReport baseline;
  std::vector<Round> rounds;
  double ratio = 0;       // the median of the rounds' ratios
  double cost_ratio = 0;  // the median of the rounds' cost ratios
};

// Measures a target against a baseline on a machine whose speed drifts (a shared host): in
// each of `rounds` rounds the baseline and the target each run options.duration / rounds
// (after their own warm-up), the baseline first in even rounds and the target first in odd
// ones. A slow spell then falls on both sides of a round, a trend cancels over the rounds, and
// the median ratio ignores a round that a spell split. Run one after the other, the two sides
// of one comparison had throughputs measured seconds apart, on a machine whose throughput
// changed twofold between runs. Where even a round is split by the hypervisor taking the cores
// (steal), the cost ratio, from busy CPU per call, still compares the two.
AlternatingReport RunAlternating(const LoadOptions& options, int rounds, const StartCall& target,
                                 const StartCall& baseline);

// The report as one JSON object.
std::string ToJson(const LoadReport& report);
std::string ToJson(const LatencySummary& latency);

std::string ToJson(const AlternatingReport& report);

// One line for people: throughput, percentiles and errors.
std::string ToText(const LoadReport& report);
std::string ToText(const AlternatingReport& report);

// The name of a gRPC status code, e.g. "UNAVAILABLE".
std::string CodeName(grpc::StatusCode code);

}  // namespace throughline::benchmark
