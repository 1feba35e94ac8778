#pragma once

#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace throughline::server {

// Bounds each organization's rate of calls (DESIGN.md §9), so that one tenant's flood cannot
// take the service from the others: a token bucket per organization, refilled at
// `calls_per_second` and holding up to two seconds' worth, so short bursts pass. Organizations
// come from verified tokens only, so there are as many buckets as the tokens file names.
class RateLimiter {
 public:
  // `calls_per_second` <= 0: no limit.
  explicit RateLimiter(int calls_per_second);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one call of `organization`'s allowance at `now`: OK, or RESOURCE_EXHAUSTED (reason
  // RATE_LIMITED, with a google.rpc.RetryInfo saying when the next call would pass).
  absl::Status Admit(std::string_view organization, absl::Time now);

 private:
  struct Bucket {
    double calls;  // allowance left
    absl::Time refilled;
  };

  const double calls_per_second_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace throughline::server
