// RunOn hands work to a WorkerPool's threads instead of starting a thread for it (as std::async
// does), and still always delivers a result: on the caller's thread when the pool refuses the
// work. Its PoolFuture waits for the work when destroyed, as std::async's future does, so the
// work may use what lives in the caller's scope.
#include "libs/server/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "absl/synchronization/notification.h"

namespace throughline::server {
namespace {

TEST(RunOnTest, RunsTheWorkOnAPoolThread) {
  WorkerPool pool(1, 1);
  PoolFuture<std::thread::id> ran_on = RunOn(pool, [] { return std::this_thread::get_id(); });
  EXPECT_NE(ran_on.get(), std::this_thread::get_id());
}

TEST(RunOnTest, RunsTheWorkOnTheCallerWhenThePoolRefusesIt) {
  WorkerPool pool(1, 1);
  absl::Notification started, release;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();       // the pool's only thread is busy
  ASSERT_TRUE(pool.TrySubmit([] {}));  // and its queue is full
  PoolFuture<std::thread::id> ran_on = RunOn(pool, [] { return std::this_thread::get_id(); });
  EXPECT_TRUE(ran_on.ready());
  EXPECT_EQ(ran_on.get(), std::this_thread::get_id());
  release.Notify();
}

TEST(RunOnTest, RunsTheWorkOnTheCallerAfterThePoolShutDown) {
  WorkerPool pool(1, 1);
  pool.Shutdown();
  EXPECT_EQ(RunOn(pool, [] { return 7; }).get(), 7);
}

TEST(RunOnTest, GetRethrowsWhatTheWorkThrew) {
  WorkerPool pool(1, 1);
  PoolFuture<int> failed = RunOn(pool, []() -> int { throw std::runtime_error("no"); });
  EXPECT_THROW(failed.get(), std::runtime_error);
}

TEST(PoolFutureTest, WaitsForTheWorkWhenDestroyed) {
  WorkerPool pool(1, 1);
  absl::Notification leaving, release;
  std::atomic<bool> done = false;
  bool done_when_destroyed = false;
  std::thread caller([&] {
    {
      PoolFuture<void> work = RunOn(pool, [&] {
        release.WaitForNotification();
        done = true;
      });
      leaving.Notify();
    }  // `work` is destroyed here, before the work can have ended unless it waits for it
    done_when_destroyed = done;
  });
  leaving.WaitForNotification();
  release.Notify();
  caller.join();
  EXPECT_TRUE(done_when_destroyed);
}

}  // namespace
}  // namespace throughline::server
