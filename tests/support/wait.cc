#include "tests/support/wait.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace throughline::testing {

bool WaitFor(std::function<bool()> condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration backoff = absl::Milliseconds(1);
  while (true) {
    if (condition()) return true;
    const absl::Time now = absl::Now();
    if (now >= deadline) return false;
    absl::SleepFor(std::min(backoff, deadline - now));
    backoff = std::min(backoff * 2, absl::Milliseconds(50));
  }
}

}  // namespace throughline::testing
