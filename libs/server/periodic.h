#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace throughline::server {

// Runs `task` every `interval` on a thread of its own, the first time one interval after
// construction, until destroyed. The destructor returns once a running task has ended, so the
// task may use whatever outlives this object. What reads the operator's files again (TLS
// files, the tokens file) runs on one.
class Periodic {
 public:
  Periodic(absl::Duration interval, std::function<void()> task);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

 private:
  void Loop();

  const absl::Duration interval_;
  const std::function<void()> task_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once everything above is initialized
};

}  // namespace throughline::server
