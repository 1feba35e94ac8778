// The per-organization token bucket, with explicit times: a burst of twice the rate passes,
// the next call is refused with the delay after which one would pass, the allowance refills
// with time up to the burst, organizations do not share one, and 0 means no limit.
#include "libs/server/rate_limiter.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "libs/errors/errors.h"

namespace throughline::server {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// The RetryInfo delay of a refusal, or -1 s without one.
absl::Duration RetryDelay(const absl::Status& status) {
  const google::rpc::Status details = errors::DecodeDetails(errors::ToGrpcStatus(status));
  for (const auto& detail : details.details()) {
    google::rpc::RetryInfo retry;
    if (detail.UnpackTo(&retry)) {
      return absl::Seconds(retry.retry_delay().seconds()) +
             absl::Nanoseconds(retry.retry_delay().nanos());
    }
  }
  return absl::Seconds(-1);
}

// The ErrorInfo reason of a refusal, or "" without one.
std::string Reason(const absl::Status& status) {
  const google::rpc::Status details = errors::DecodeDetails(errors::ToGrpcStatus(status));
  for (const auto& detail : details.details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

TEST(RateLimiterTest, ABurstOfTwiceTheRatePassesThenCallsWaitForTheRefill) {
  RateLimiter limiter(10);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(limiter.Admit("acme", kStart).ok()) << i;
  const absl::Status refused = limiter.Admit("acme", kStart);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("organization \"acme\" is over its 10 calls per second"),
            std::string::npos)
      << refused;
  EXPECT_EQ(RetryDelay(refused), absl::Milliseconds(100));
  EXPECT_EQ(Reason(refused), "RATE_LIMITED");

  // A tenth of a second later one more call passes, and only one.
  EXPECT_TRUE(limiter.Admit("acme", kStart + absl::Milliseconds(100)).ok());
  EXPECT_FALSE(limiter.Admit("acme", kStart + absl::Milliseconds(100)).ok());
  // Half-way to the next one, the delay says how long is left.
  EXPECT_EQ(RetryDelay(limiter.Admit("acme", kStart + absl::Milliseconds(150))),
            absl::Milliseconds(50));
}

TEST(RateLimiterTest, TheAllowanceRefillsUpToTheBurstOnly) {
  RateLimiter limiter(10);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(limiter.Admit("acme", kStart).ok());
  // An hour later the allowance is the burst again, not an hour's worth.
  const absl::Time later = kStart + absl::Hours(1);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(limiter.Admit("acme", later).ok()) << i;
  EXPECT_FALSE(limiter.Admit("acme", later).ok());
}

TEST(RateLimiterTest, OrganizationsHaveTheirOwnAllowance) {
  RateLimiter limiter(1);
  ASSERT_TRUE(limiter.Admit("acme", kStart).ok());
  ASSERT_TRUE(limiter.Admit("acme", kStart).ok());
  EXPECT_FALSE(limiter.Admit("acme", kStart).ok());
  EXPECT_TRUE(limiter.Admit("globex", kStart).ok());
}

TEST(RateLimiterTest, ZeroMeansNoLimit) {
  RateLimiter limiter(0);
  for (int i = 0; i < 100'000; ++i) ASSERT_TRUE(limiter.Admit("acme", kStart).ok()) << i;
}

}  // namespace
}  // namespace throughline::server
