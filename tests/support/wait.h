#pragma once

#include <functional>

#include "absl/time/time.h"

namespace throughline::testing {

// Polls `condition` with a short, growing backoff until it holds or `timeout` passes; returns
// whether it held. For waiting on an outcome with a deadline, never as a fixed sleep:
//
//   ASSERT_TRUE(WaitFor([&] { return store.TaskCount() == 3; }));
bool WaitFor(std::function<bool()> condition, absl::Duration timeout = absl::Seconds(10));

}  // namespace throughline::testing
