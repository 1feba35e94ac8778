#pragma once

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "libs/eventlog/event_log.h"

namespace throughline::alignment {

// Escalates overdue tasks (DESIGN.md §5): every `interval`, each OPEN or ACKNOWLEDGED task
// past its due time is marked escalated to its function's escalation owner, who then receives
// it on WatchTasks too. Replicas may all run one: rows are locked with SKIP LOCKED, so each
// task is escalated once.
class Escalator {
 public:
  using Clock = std::function<absl::Time()>;

  Escalator(db::ConnectionPool& pool, const eventlog::EventLog& task_log, Clock clock,
            absl::Duration interval);
  ~Escalator();  // Stop().

  void Start();
  void Stop();

  // One sweep; returns how many tasks were escalated.
  absl::StatusOr<int> EscalateOverdue();

 private:
  db::ConnectionPool& pool_;
  const eventlog::EventLog& task_log_;
  const Clock clock_;
  const absl::Duration interval_;
  std::thread thread_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace throughline::alignment
