#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/db/connection_pool.h"
#include "libs/server/worker_pool.h"
#include "services/alignment/event_processor.h"
#include "services/alignment/suite_client.h"

namespace throughline::alignment {

// A durable subscription to the segment or the offering event log (DESIGN.md §4).
//
// Among all alignment replicas exactly one holds each subscription: the one holding a
// PostgreSQL session advisory lock named after it. The holder reads the log over gRPC from the
// cursor stored in the alignment schema and hands each event to the EventProcessor, which
// processes it and advances the cursor in one transaction. When the holder dies its database
// session ends, the lock is released, and another replica takes over within `lock_retry`. A
// holder whose session ended while it lived (ended by an administrator or an idle timeout, or
// by PostgreSQL's keepalive across a network partition) stops before its next write, since
// another replica may hold the lock by then, and, when no event comes, within `lock_retry`.
// Errors (a service or the database unavailable) reconnect with capped exponential backoff
// from the stored cursor, so nothing is missed.
class Subscription {
 public:
  enum class Source { kSegment, kOffering };

  Subscription(Source source, db::ConnectionPool& pool, const SuiteClient& suite,
               EventProcessor& processor, absl::Duration lock_retry = absl::Seconds(1));
  ~Subscription();  // Stop().

  void Start();
  // Stops reading and releases the lock; returns when the thread has ended.
  void Stop();

  // "segment-events" or "offering-events": the cursor's key and the lock's name.
  const std::string& name() const { return name_; }
  // True while this replica holds the subscription.
  bool holding() const;

 private:
  void Run();
  // Reads and processes events until the stream ends or fails; returns its status.
  // `delivered` is set when at least one event was processed. Before each write, and every
  // `lock_retry_` while no event comes, it checks that `lock_session` has not ended, and
  // returns UNAVAILABLE when it has.
  absl::Status Consume(bool& delivered, pqxx::connection& lock_session);
  // Waits `delay` unless stopping; false when stopping.
  bool Pause(absl::Duration delay);

  const Source source_;
  const std::string name_;
  db::ConnectionPool& pool_;
  const SuiteClient& suite_;
  EventProcessor& processor_;
  const absl::Duration lock_retry_;
  // Threads that prepare events ahead of their writes (Consume), kept for the subscription's
  // life: a thread started for each event cost a clone, a stack and a TLB flush per change
  // (BENCHMARKS.md, step 23).
  server::WorkerPool preparers_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool holding_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* stream_ ABSL_GUARDED_BY(mu_) = nullptr;  // to cancel on Stop
};

}  // namespace throughline::alignment
