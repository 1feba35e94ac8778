#include "services/alignment/subscription.h"

#include <algorithm>

#include "libs/db/transaction.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"
#include "services/alignment/alignment_store.h"

namespace throughline::alignment {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

}  // namespace

Subscription::Subscription(Source source, db::ConnectionPool& pool, const SuiteClient& suite,
                           EventProcessor& processor, absl::Duration lock_retry)
    : source_(source),
      name_(source == Source::kSegment ? "segment-events" : "offering-events"),
      pool_(pool),
      suite_(suite),
      processor_(processor),
      lock_retry_(lock_retry) {}

Subscription::~Subscription() { Stop(); }

void Subscription::Start() { thread_ = std::thread([this] { Run(); }); }

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
      const absl::Status status = Consume(delivered);
      // A stream that worked (it delivered events or stayed open longer than the longest
      // pause) ends a series of failures: the next outage backs off from the first step
      // again, instead of every later reconnection waiting the maximum.
      if (delivered || absl::Now() - opened >= kMaxBackoff) backoff = kFirstBackoff;
      if (!Pause(absl::ZeroDuration())) break;
      bool session_alive = true;
      try {
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

absl::Status Subscription::Consume(bool& delivered) {
  std::string cursor;
  absl::Status read = db::RunTransaction(pool_, absl::Now() + absl::Seconds(5),
                                         [&](pqxx::work& tx) {
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
  auto process = [&](const io::cloudevents::v1::CloudEvent& event,
                     const std::string& event_cursor) -> absl::Status {
    // Retry the same event while the failure is transient; the stream stays open.
    absl::Duration backoff = kFirstBackoff;
    while (true) {
      absl::Status status = processor_.Process(name_, event, event_cursor);
      if (status.ok()) {
        delivered = true;
        return status;
      }
      log::Warning("event processing failed; retrying",
                   {{"subscription", name_}, {"event", event.id()}, {"error", status.ToString()}});
      if (!Pause(backoff)) return absl::CancelledError("stopping");
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  };
  absl::Status status;
  grpc::Status finished;
  if (source_ == Source::kSegment) {
    auto reader = suite_.WatchSegments(context, cursor);
    segment::v1::WatchSegmentEventsResponse response;
    while (status.ok() && reader->Read(&response)) {
      status = process(response.event(), response.cursor());
    }
    if (!status.ok()) context.TryCancel();
    finished = reader->Finish();
  } else {
    auto reader = suite_.WatchOfferings(context, cursor);
    offering::v1::WatchOfferingEventsResponse response;
    while (status.ok() && reader->Read(&response)) {
      status = process(response.event(), response.cursor());
    }
    if (!status.ok()) context.TryCancel();
    finished = reader->Finish();
  }
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
    absl::Status reset = db::RunTransaction(pool_, absl::Now() + absl::Seconds(5),
                                            [&](pqxx::work& tx) {
                                              AlignmentStore::SetCursor(tx, name_, "");
                                              return absl::OkStatus();
                                            });
    if (!reset.ok()) return reset;
  }
  return ended;
}

}  // namespace throughline::alignment
