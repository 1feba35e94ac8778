#include "services/alignment/subscription.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>

#include "libs/db/transaction.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"
#include "services/alignment/alignment_store.h"

namespace throughline::alignment {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);
// How long a statement on the lock session may take before the pool cuts the session (after
// its hung_grace): a database that does not answer must not hold the subscription's thread,
// and with it the service's stop.
constexpr absl::Duration kLockSessionTimeout = absl::Seconds(5);
// Events prepared ahead of the one being written, and the most written in one transaction.
constexpr size_t kPlanAhead = 16;
constexpr size_t kMaxBatch = 16;

struct PlannedEvent {
  io::cloudevents::v1::CloudEvent event;
  std::string cursor;
  server::PoolFuture<EventProcessor::Prepared> prepared;
};

// The events between the stream's reader thread and the writer: Push waits while
// `capacity` wait, Pop waits for the next one. After End (the stream ended), Pop returns what
// is left, then std::nullopt with drained() true; after Stop (the writer gave up), Push
// refuses.
class PlannedEvents {
 public:
  explicit PlannedEvents(size_t capacity) : capacity_(capacity) {}

  bool Push(PlannedEvent planned) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &PlannedEvents::HasRoomOrStopped));
    if (stopped_) return false;
    queue_.push_back(std::move(planned));
    return true;
  }

  // The next event, waiting up to `timeout` for it; std::nullopt when none came in time or
  // when the stream ended and every event was taken (drained()).
  std::optional<PlannedEvent> Pop(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &PlannedEvents::HasEventOrEnded), timeout);
    if (queue_.empty()) return std::nullopt;
    PlannedEvent planned = std::move(queue_.front());
    queue_.pop_front();
    return planned;
  }

  // Appends to `batch`, up to `max` events in all, the waiting events whose preparation is
  // done (in order: it stops at the first one still being prepared).
  void PopPrepared(std::vector<PlannedEvent>& batch, size_t max) {
    absl::MutexLock lock(&mu_);
    while (batch.size() < max && !queue_.empty() && queue_.front().prepared.ready()) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }

  void End() {
    absl::MutexLock lock(&mu_);
    ended_ = true;
  }

  bool drained() const {
    absl::MutexLock lock(&mu_);
    return ended_ && queue_.empty();
  }

  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }

 private:
  bool HasRoomOrStopped() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopped_ || queue_.size() < capacity_;
  }
  bool HasEventOrEnded() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || ended_;
  }

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<PlannedEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

Subscription::Subscription(Source source, db::ConnectionPool& pool, const SuiteClient& suite,
                           EventProcessor& processor, absl::Duration lock_retry)
    : source_(source),
      name_(source == Source::kSegment ? "segment-events" : "offering-events"),
      pool_(pool),
      suite_(suite),
      processor_(processor),
      lock_retry_(lock_retry),
      preparers_(kPlanAhead, kPlanAhead) {}

Subscription::~Subscription() { Stop(); }

void Subscription::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Subscription::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (stream_ != nullptr) stream_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

namespace {

// True when a watch ended because its after_cursor was refused (INVALID_ARGUMENT on that field).
bool RefusesCursor(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return false;
  auto bad_request = errors::GetBadRequest(status);
  if (!bad_request) return false;
  for (const auto& violation : bad_request->field_violations()) {
    if (violation.field() == "after_cursor") return true;
  }
  return false;
}

}  // namespace

bool Subscription::holding() const {
  absl::MutexLock lock(&mu_);
  return holding_;
}

bool Subscription::Pause(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  return !stopping_;
}

void Subscription::Run() {
  const std::string lock_sql = "SELECT pg_try_advisory_lock(hashtext('throughline:" + name_ + "'))";
  absl::Duration backoff = kFirstBackoff;
  std::unique_ptr<pqxx::connection> lock_session;
  while (Pause(absl::ZeroDuration())) {
    // Become the holder: the lock lives as long as this session.
    if (lock_session == nullptr || !lock_session->is_open()) {
      auto opened = pool_.OpenDedicated();
      if (!opened.ok()) {
        if (!Pause(lock_retry_)) break;
        continue;
      }
      lock_session = *std::move(opened);
    }
    bool locked = false;
    try {
      const auto guard = pool_.Watch(*lock_session, absl::Now() + kLockSessionTimeout);
      pqxx::nontransaction session(*lock_session);
      locked = session.exec(lock_sql)[0][0].as<bool>();
    } catch (const std::exception& e) {
      lock_session.reset();
      if (!Pause(lock_retry_)) break;
      continue;
    }
    if (!locked) {
      if (!Pause(lock_retry_)) break;
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      holding_ = true;
    }
    log::Info("holding subscription", {{"subscription", name_}});

    // Consume until stopped or the lock session is lost.
    while (Pause(absl::ZeroDuration())) {
      const absl::Time opened = absl::Now();
      bool delivered = false;
      const absl::Status status = Consume(delivered, *lock_session);
      // A stream that worked (it delivered events or stayed open longer than the longest
      // pause) ends a series of failures: the next outage backs off from the first step
      // again, instead of every later reconnection waiting the maximum.
      if (delivered || absl::Now() - opened >= kMaxBackoff) backoff = kFirstBackoff;
      if (!Pause(absl::ZeroDuration())) break;
      bool session_alive = true;
      try {
        const auto guard = pool_.Watch(*lock_session, absl::Now() + kLockSessionTimeout);
        pqxx::nontransaction check(*lock_session);
        check.exec("SELECT 1");
      } catch (const std::exception&) {
        session_alive = false;
      }
      if (!session_alive) {
        log::Warning("lost the subscription lock session", {{"subscription", name_}});
        lock_session.reset();
        break;
      }
      log::Warning("subscription stream ended; reconnecting",
                   {{"subscription", name_},
                    {"error", status.ToString()},
                    {"backoff_ms", absl::ToInt64Milliseconds(backoff)}});
      if (!Pause(backoff)) break;
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
    {
      absl::MutexLock lock(&mu_);
      holding_ = false;
    }
  }
  // Closing the session releases the advisory lock for the next holder.
  lock_session.reset();
}

absl::Status Subscription::Consume(bool& delivered, pqxx::connection& lock_session) {
  // The holder's fence, checked before each write: whether the lock's session has ended. It
  // reads what the server sent without waiting (PostgreSQL's goodbye and the closed socket when
  // it ended the session), so it costs a system call, not a round trip.
  auto lock_lost = [&lock_session]() {
    try {
      lock_session.get_notifs();
      return !lock_session.is_open();
    } catch (const std::exception&) {
      return true;
    }
  };
  const absl::Status lock_lost_error = errors::Unavailable("the subscription lock's session ended");
  std::string cursor;
  absl::Status read =
      db::RunRead(pool_, absl::Now() + absl::Seconds(5), [&](pqxx::transaction_base& tx) {
        cursor = AlignmentStore::Cursor(tx, name_);
        return absl::OkStatus();
      });
  if (!read.ok()) return read;

  grpc::ClientContext context;
  const server::OutgoingCall& call =
      source_ == Source::kSegment ? suite_.segment_call() : suite_.offering_call();
  call.Prepare(context, absl::InfiniteFuture());
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    stream_ = &context;
  }
  // Writes one prepared event; while the failure is transient, prepares it again and retries
  // (the stream stays open).
  auto write_one = [&](const PlannedEvent& planned,
                       EventProcessor::Prepared prepared) -> absl::Status {
    absl::Duration backoff = kFirstBackoff;
    while (true) {
      if (lock_lost()) return lock_lost_error;
      absl::Status status = processor_.Write(name_, planned.event, planned.cursor, prepared);
      if (status.ok()) {
        delivered = true;
        return status;
      }
      log::Warning(
          "event processing failed; retrying",
          {{"subscription", name_}, {"event", planned.event.id()}, {"error", status.ToString()}});
      if (!Pause(backoff)) return absl::CancelledError("stopping");
      backoff = std::min(backoff * 2, kMaxBackoff);
      prepared = processor_.Prepare(planned.event);
    }
  };
  // Writes consecutive events in one transaction; when that fails, one at a time, each
  // retried on its own.
  auto write = [&](std::vector<PlannedEvent>& batch) -> absl::Status {
    std::vector<EventProcessor::Prepared> prepared;
    for (auto& planned : batch) prepared.push_back(planned.prepared.get());
    if (batch.size() > 1) {
      std::vector<EventProcessor::ReadyEvent> ready;
      for (size_t i = 0; i < batch.size(); ++i) ready.push_back({&batch[i].event, &prepared[i]});
      if (processor_.WriteAll(name_, ready, batch.back().cursor).ok()) {
        delivered = true;
        return absl::OkStatus();
      }
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      absl::Status status = write_one(batch[i], std::move(prepared[i]));
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  };

  // Events are prepared ahead of their writes: a reader thread takes each event off the
  // stream and starts its preparation on one of `preparers_` (the inbox check and the calls to
  // the segment and offering services, read-only) while this thread writes the events before it,
  // one transaction each, in log order, each with its cursor. At most kPlanAhead wait.
  PlannedEvents planned_events(kPlanAhead);
  grpc::Status finished;
  std::thread reader([&] {
    auto read_all = [&](auto stream, auto response) {
      while (stream->Read(&response)) {
        PlannedEvent planned{response.event(), response.cursor(),
                             server::RunOn(preparers_, [this, event = response.event()] {
                               return processor_.Prepare(event);
                             })};
        if (!planned_events.Push(std::move(planned))) {
          context.TryCancel();  // the writer stopped
          break;
        }
      }
      finished = stream->Finish();
    };
    if (source_ == Source::kSegment) {
      read_all(suite_.WatchSegments(context, cursor), segment::v1::WatchSegmentEventsResponse());
    } else {
      read_all(suite_.WatchOfferings(context, cursor), offering::v1::WatchOfferingEventsResponse());
    }
    planned_events.End();
  });
  absl::Status status;
  while (true) {
    // While no event comes, the fence is checked every lock_retry_ too: a holder whose session
    // ended stops holding within the time a standby takes to take over, not at its next event
    // (until then it would report holding, and, alone, nobody would hold the lock).
    std::optional<PlannedEvent> planned = planned_events.Pop(lock_retry_);
    if (!planned.has_value() && planned_events.drained()) break;
    std::vector<PlannedEvent> batch;
    if (planned.has_value()) {
      batch.push_back(*std::move(planned));
      planned_events.PopPrepared(batch, kMaxBatch);
    }
    if (lock_lost()) {
      status = lock_lost_error;
    } else if (!batch.empty()) {
      status = write(batch);
    }
    if (!status.ok()) {
      planned_events.Stop();
      context.TryCancel();
      break;
    }
  }
  reader.join();
  {
    absl::MutexLock lock(&mu_);
    stream_ = nullptr;
  }
  if (!status.ok()) return status;
  absl::Status ended = errors::FromGrpcStatus(finished);
  if (!cursor.empty() && RefusesCursor(ended)) {
    // The log no longer knows the stored cursor (its format changed in an upgrade, or the
    // log was restored from an older backup). Retrying it would stall this subscription for
    // good. Reading the log again from the beginning is safe: the inbox lets every event take
    // effect once, so the events processed before create nothing new.
    log::Error("the event log refused the stored cursor; reading the log again from the start",
               {{"subscription", name_}, {"cursor", cursor}, {"error", ended.ToString()}});
    absl::Status reset =
        db::RunTransaction(pool_, absl::Now() + absl::Seconds(5), [&](pqxx::work& tx) {
          AlignmentStore::SetCursor(tx, name_, "");
          return absl::OkStatus();
        });
    if (!reset.ok()) return reset;
  }
  return ended;
}

}  // namespace throughline::alignment
