#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "libs/db/connection_pool.h"
#include "libs/errors/errors.h"
#include "libs/eventlog/event_log.h"
#include "libs/eventlog/notifier.h"
#include "libs/server/call.h"
#include "libs/server/worker_pool.h"

namespace throughline::eventlog {

// Everything a Watch…Events stream needs; shared by every stream of a service.
struct WatchDependencies {
  const EventLog& log;
  db::ConnectionPool& pool;
  EventNotifier& notifier;
  server::WorkerPool& workers;
  // A reader that accepts no message for this long is cut off with RESOURCE_EXHAUSTED.
  absl::Duration stall_limit = absl::Seconds(10);
};

// Serves one Watch…Events stream: reads the log after the client's cursor on the worker pool,
// writes one event at a time, and when caught up waits for a notification. It pulls a batch
// only when the previous one has been written, so a slow reader holds at most one batch of
// server memory; a reader that stops reading altogether is cut off with RESOURCE_EXHAUSTED
// after WatchDependencies::stall_limit, and one whose token is no longer accepted (the tokens
// file changed) with UNAUTHENTICATED, at the next wake-up. Database errors end the stream with
// their status (UNAVAILABLE while the database is down); the client resumes with the cursor of the
// last event it received.
//
// Threading: every decision is made under mu_; StartWrite is called under it too (gRPC never
// runs OnWriteDone inline), but Finish is called outside it, because gRPC may run OnDone
// inline from Finish.
template <typename Response>
class WatchReactor : public grpc::ServerWriteReactor<Response> {
 public:
  using Convert = std::function<Response(const LoggedEvent&)>;

  static constexpr int kBatch = 200;
  static constexpr absl::Duration kReadTimeout = absl::Seconds(10);

  // Starts the stream; the reactor deletes itself when the RPC is done. `prelude` is written
  // before the first event of the log (e.g. a backlog read together with `cursor`).
  // `caller` is checked on every wake-up: a caller whose token is no longer accepted is cut off
  // with UNAUTHENTICATED.
  static grpc::ServerWriteReactor<Response>* Start(WatchDependencies deps,
                                                   server::CallerCheck caller,
                                                   std::string organization, std::string cursor,
                                                   EventFilter filter, Convert convert,
                                                   std::vector<Response> prelude = {}) {
    auto* reactor = new WatchReactor(deps, std::move(caller), std::move(organization),
                                     std::move(cursor), std::move(filter), std::move(convert));
    for (auto& response : prelude) reactor->queue_.push_back(std::move(response));
    reactor->Begin();
    return reactor;
  }

  // What a stream starts from when it must first read the database (on the worker pool): the
  // cursor to continue from and the messages to send before the log's events.
  struct Beginning {
    std::string cursor;
    std::vector<Response> prelude;
  };
  using Prepare = std::function<absl::StatusOr<Beginning>()>;

  // Like Start, but runs `prepare` on the worker pool first (e.g. to read a backlog in the
  // same snapshot as the cursor).
  static grpc::ServerWriteReactor<Response>* StartPrepared(WatchDependencies deps,
                                                           server::CallerCheck caller,
                                                           std::string organization,
                                                           EventFilter filter, Convert convert,
                                                           Prepare prepare) {
    auto* reactor = new WatchReactor(deps, std::move(caller), std::move(organization), "",
                                     std::move(filter), std::move(convert));
    reactor->Begin(std::move(prepare));
    return reactor;
  }

  // A stream that fails before it starts (bad request, permission).
  static grpc::ServerWriteReactor<Response>* Fail(const absl::Status& status) {
    class Failed : public grpc::ServerWriteReactor<Response> {
     public:
      explicit Failed(const absl::Status& status) { this->Finish(errors::ToGrpcStatus(status)); }
      void OnDone() override { delete this; }
    };
    return new Failed(status);
  }

  void OnWriteDone(bool ok) override {
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        finish = BeginFinish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream broken"));
      } else {
        finish = Advance();
      }
    }
    if (finish) this->Finish(*finish);
  }

  void OnCancel() override {
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      finish = BeginFinish(grpc::Status::CANCELLED);
    }
    if (finish) this->Finish(*finish);
  }

  void OnDone() override {
    deps_.notifier.Unsubscribe(subscription_);
    {
      absl::MutexLock lock(&state_->mu);
      state_->reactor = nullptr;
    }
    delete this;
  }

 private:
  // Outlives the reactor for work queued on the pool when the stream ends.
  struct Shared {
    absl::Mutex mu;
    WatchReactor* reactor ABSL_GUARDED_BY(mu);
  };

  WatchReactor(WatchDependencies deps, server::CallerCheck caller, std::string organization,
               std::string cursor, EventFilter filter, Convert convert)
      : deps_(deps),
        organization_(std::move(organization)),
        filter_(std::move(filter)),
        convert_(std::move(convert)),
        state_(std::make_shared<Shared>()),
        caller_(std::move(caller)),
        cursor_(std::move(cursor)) {
    state_->reactor = this;
  }

  void Begin(Prepare prepare = nullptr) {
    std::weak_ptr<Shared> weak = state_;
    subscription_ = deps_.notifier.Subscribe(
        organization_, [weak] { WithReactor(weak, &WatchReactor::OnWake); });
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      finish = prepare ? Run(std::move(prepare)) : Fetch();
    }
    if (finish) this->Finish(*finish);
  }

  // Queues `prepare` on the pool; its result sets the cursor and the first messages.
  std::optional<grpc::Status> Run(Prepare prepare) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    fetching_ = true;
    std::weak_ptr<Shared> weak = state_;
    const bool queued = deps_.workers.TrySubmit([weak, this, prepare = std::move(prepare)] {
      absl::StatusOr<Beginning> beginning = prepare();
      auto state = weak.lock();
      if (state == nullptr) return;
      std::optional<grpc::Status> finish;
      {
        absl::MutexLock state_lock(&state->mu);
        if (state->reactor == nullptr) return;
        absl::MutexLock lock(&mu_);
        fetching_ = false;
        if (finishing_) return;
        if (!beginning.ok()) {
          finish = BeginFinish(errors::ToGrpcStatus(beginning.status()));
        } else {
          cursor_ = std::move(beginning->cursor);
          for (auto& response : beginning->prelude) queue_.push_back(std::move(response));
          more_ = true;
          finish = Advance();
        }
      }
      if (finish) this->Finish(*finish);
    });
    if (!queued) {
      fetching_ = false;
      return BeginFinish(errors::ToGrpcStatus(server::Overloaded()));
    }
    return std::nullopt;
  }

  // Runs `method` on the reactor if it still exists.
  static void WithReactor(const std::weak_ptr<Shared>& weak,
                          void (WatchReactor::*method)()) {
    auto state = weak.lock();
    if (state == nullptr) return;
    absl::MutexLock lock(&state->mu);
    if (state->reactor != nullptr) (state->reactor->*method)();
  }

  void OnWake() {
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      if (deps_.notifier.closing()) {
        finish = BeginFinish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                          "the server is shutting down; reconnect with the "
                                          "cursor of the last event received"));
      } else if (absl::Status caller = caller_.Check(); !caller.ok()) {
        finish = BeginFinish(errors::ToGrpcStatus(caller));
      } else if (writing_ && absl::Now() - write_start_ > deps_.stall_limit) {
        finish = BeginFinish(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            "the client stopped reading the stream; reconnect with the cursor of the last "
            "message received"));
      } else {
        more_ = true;
        if (!fetching_ && !writing_ && queue_.empty()) finish = Fetch();
      }
    }
    if (finish) this->Finish(*finish);
  }

  // Queues a read of the next batch. Returns a status to finish with when it cannot.
  std::optional<grpc::Status> Fetch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (fetching_ || finishing_) return std::nullopt;
    fetching_ = true;
    more_ = false;
    std::weak_ptr<Shared> weak = state_;
    // The job copies what it reads: the reactor may be gone by the time it runs, and `this`
    // is only touched after checking that it still exists.
    const bool queued = deps_.workers.TrySubmit([weak, this, deps = deps_,
                                                 organization = organization_,
                                                 filter = filter_, cursor = cursor_] {
      auto read = deps.log.Read(deps.pool, absl::Now() + kReadTimeout, organization, cursor,
                                filter, kBatch);
      auto state = weak.lock();
      if (state == nullptr) return;
      std::optional<grpc::Status> finish;
      {
        absl::MutexLock state_lock(&state->mu);
        if (state->reactor == nullptr) return;
        absl::MutexLock lock(&mu_);
        finish = OnRead(std::move(read));
      }
      // The reactor cannot be deleted before Finish completes, so `this` is still valid.
      if (finish) this->Finish(*finish);
    });
    if (!queued) {
      fetching_ = false;
      return BeginFinish(errors::ToGrpcStatus(server::Overloaded()));
    }
    return std::nullopt;
  }

  std::optional<grpc::Status> OnRead(absl::StatusOr<ReadResult> read)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    fetching_ = false;
    if (finishing_) return std::nullopt;
    if (!read.ok()) return BeginFinish(errors::ToGrpcStatus(read.status()));
    if (read->more) more_ = true;
    for (const auto& event : read->events) queue_.push_back(convert_(event));
    // Past the events the filter skipped, too (ReadResult::cursor).
    cursor_ = std::move(read->cursor);
    return Advance();
  }

  // Writes the next queued event, or fetches more when the queue is empty and more may exist.
  // Returns a status to finish with (outside mu_) when the stream must end.
  std::optional<grpc::Status> Advance() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finishing_ || writing_) return std::nullopt;
    if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      write_start_ = absl::Now();
      this->StartWrite(&current_);
      return std::nullopt;
    }
    if (more_) return Fetch();
    return std::nullopt;
  }

  std::optional<grpc::Status> BeginFinish(grpc::Status status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finishing_) return std::nullopt;
    finishing_ = true;
    return status;
  }

  const WatchDependencies deps_;
  const std::string organization_;
  const EventFilter filter_;
  const Convert convert_;
  const std::shared_ptr<Shared> state_;
  int64_t subscription_ = 0;

  absl::Mutex mu_;
  server::CallerCheck caller_ ABSL_GUARDED_BY(mu_);
  std::string cursor_ ABSL_GUARDED_BY(mu_);        // after the last event read
  std::deque<Response> queue_ ABSL_GUARDED_BY(mu_);  // read, not yet written
  Response current_ ABSL_GUARDED_BY(mu_);          // being written
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time write_start_ ABSL_GUARDED_BY(mu_);
  bool more_ ABSL_GUARDED_BY(mu_) = false;  // events may exist past cursor_
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace throughline::eventlog
