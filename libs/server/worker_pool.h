#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace throughline::server {

// A fixed set of threads for blocking work (libpqxx), so gRPC's callback threads never block.
// The queue is bounded: when it is full, TrySubmit refuses and the caller answers
// RESOURCE_EXHAUSTED instead of letting latency and memory grow without limit.
class WorkerPool {
 public:
  WorkerPool(int threads, int max_queue);
  ~WorkerPool();  // Shutdown().
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false when the queue is full or the pool is shutting down.
  bool TrySubmit(std::function<void()> task);

  // Runs what is queued, then stops the threads. Later TrySubmit calls fail.
  void Shutdown();

  int threads() const { return static_cast<int>(threads_.size()); }
  int max_queue() const { return max_queue_; }

 private:
  void Work();

  const int max_queue_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// The result of work handed to a pool by RunOn. Like the future of std::async, it waits for
// the work when it is destroyed (or assigned over), so the work may use what lives in the
// caller's scope even when the caller leaves it by an exception.
template <typename T>
class PoolFuture {
 public:
  explicit PoolFuture(std::future<T> future) : future_(std::move(future)) {}
  PoolFuture(PoolFuture&&) noexcept = default;
  PoolFuture& operator=(PoolFuture&& other) noexcept {
    if (this != &other) {
      Wait();
      future_ = std::move(other.future_);
    }
    return *this;
  }
  ~PoolFuture() { Wait(); }

  // Waits for the work, then returns its result or rethrows what it threw. Once only.
  T get() { return future_.get(); }
  // True when the work is done.
  bool ready() const {
    return future_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }

 private:
  void Wait() {
    if (future_.valid()) future_.wait();
  }

  std::future<T> future_;
};

// Runs `work` on one of `pool`'s threads, or on the calling thread before returning when the
// pool refuses it (its queue is full, or it is shutting down): the result always comes.
// For work done alongside the caller's, without starting a thread each time (std::async
// does: a thread's start and end cost about 0.1 ms of CPU, BENCHMARKS.md step 23).
template <typename F>
PoolFuture<std::invoke_result_t<F&>> RunOn(WorkerPool& pool, F work) {
  using T = std::invoke_result_t<F&>;
  auto task = std::make_shared<std::packaged_task<T()>>(std::move(work));
  PoolFuture<T> result(task->get_future());
  if (!pool.TrySubmit([task] { (*task)(); })) (*task)();
  return result;
}

}  // namespace throughline::server
