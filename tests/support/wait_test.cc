#include "tests/support/wait.h"

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace throughline::testing {
namespace {

TEST(WaitForTest, ReturnsOnceAnotherThreadMakesTheConditionTrue) {
  std::atomic<bool> done = false;
  std::thread worker([&] { done = true; });

  EXPECT_TRUE(WaitFor([&] { return done.load(); }));
  worker.join();
}

TEST(WaitForTest, GivesUpAtTheDeadline) {
  const absl::Time start = absl::Now();
  int calls = 0;

  EXPECT_FALSE(WaitFor([&] { return ++calls < 0; }, absl::Milliseconds(50)));

  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_GT(calls, 1);
}

}  // namespace
}  // namespace throughline::testing
