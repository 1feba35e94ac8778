#pragma once

#include <deque>
#include <functional>
#include <string>
#include <thread>
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

}  // namespace throughline::server
