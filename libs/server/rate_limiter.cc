#include "libs/server/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "libs/errors/errors.h"

namespace throughline::server {

RateLimiter::RateLimiter(int calls_per_second)
    : calls_per_second_(calls_per_second), burst_(2.0 * calls_per_second) {}

absl::Status RateLimiter::Admit(std::string_view organization, absl::Time now) {
  if (calls_per_second_ <= 0) return absl::OkStatus();
  double missing = 0;
  {
    absl::MutexLock lock(&mu_);
    // absl::string_view is not std::string_view in Debian's Abseil build.
    auto it = buckets_.find(absl::string_view(organization.data(), organization.size()));
    if (it == buckets_.end()) {
      it = buckets_.emplace(std::string(organization), Bucket{burst_, now}).first;
    }
    Bucket& bucket = it->second;
    if (now > bucket.refilled) {
      bucket.calls = std::min(
          burst_, bucket.calls + absl::ToDoubleSeconds(now - bucket.refilled) * calls_per_second_);
      bucket.refilled = now;
    }
    if (bucket.calls >= 1) {
      bucket.calls -= 1;
      return absl::OkStatus();
    }
    missing = 1 - bucket.calls;
  }
  const absl::Duration wait = absl::Milliseconds(std::ceil(1000 * missing / calls_per_second_));
  absl::Status status = errors::ResourceExhausted(
      "RATE_LIMITED",
      absl::StrCat("organization ", errors::Quote(organization), " is over its ", calls_per_second_,
                   " calls per second; retry after ", absl::FormatDuration(wait)));
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(wait));
  retry.mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(wait % absl::Seconds(1))));
  errors::SetDetail(status, retry);
  return status;
}

}  // namespace throughline::server
