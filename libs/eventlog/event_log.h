#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "io/cloudevents/v1/cloudevents.pb.h"
#include "libs/db/connection_pool.h"
#include "libs/db/sql_array.h"
#include "pqxx/pqxx"

namespace throughline::eventlog {

// Which events a reader wants. Empty fields match everything.
struct EventFilter {
  std::string type;            // exact CloudEvent type
  std::string subject_prefix;  // a resource name: matches it and everything under it
  std::string audience;        // one of the audience tags given to Append
};

// Reads every organization's events (service accounts only).
inline constexpr char kAllOrganizations[] = "";

struct LoggedEvent {
  io::cloudevents::v1::CloudEvent event;
  // Opaque position of this event: reading after it resumes right behind it.
  std::string cursor;
};

struct ReadResult {
  std::vector<LoggedEvent> events;
  // Where the next read continues. After a full page (`limit` events), the last event's
  // cursor. After a shorter page, the cursor of the last event of the whole log visible to
  // the read, matching or not: the events the filter skipped are not scanned again, so a
  // reader whose filter rarely matches (an owner's WatchTasks) reads only what is new.
  std::string cursor;
};

// One service's event log (DESIGN.md §4): a transactional outbox in the service's schema
// (table event_log, platform migrations 0001-0003), read in commit order. Each event gets the
// next position of the log when it is appended, under a lock its transaction holds until it
// commits, so positions follow commit order: a reader never skips an event that commits later,
// and the changes of one resource arrive in the order they were made.
class EventLog {
 public:
  // `service` names the producer ("segment"); `schema` is the service's schema, which also
  // names the NOTIFY channel "<schema>_events".
  EventLog(std::string service, std::string schema);

  // An event built but not yet written: see Draft() and AppendAll().
  struct PendingEvent {
    std::string organization;
    std::string subject;
    std::vector<std::string> audience;
    io::cloudevents::v1::CloudEvent event;  // as readers will see it
  };

  // Builds the CloudEvent of a change (a new id, this service as source, `payload` packed).
  PendingEvent Draft(std::string_view organization, std::string_view type, std::string_view subject,
                     int64_t revision, const google::protobuf::Message& payload, absl::Time time,
                     absl::BitGenRef random, const std::vector<std::string>& audience = {}) const;

  // Events encoded as the parameters of one append. Encoding a fan-out's 1,000 events takes
  // milliseconds, which another thread can spend while the transaction runs its other
  // statements (BENCHMARKS.md, step 19); AppendAll encodes and appends at once.
  class Batch {
   public:
    void Add(const PendingEvent& event);
    // Adds every event of `other`, after this batch's.
    void Add(const Batch& other);
    int64_t size() const { return size_; }

   private:
    friend class EventLog;
    db::ArrayLiteral organizations_, ids_, types_, subjects_, audiences_;
    db::BinaryColumn bodies_;
    int64_t size_ = 0;
  };

  // Writes `events` in the caller's transaction, in order, so they exist if and only if the
  // change commits, and wakes readers when it commits. One statement however many events
  // there are: a fan-out of 1,000 task events costs what one event costs in round trips.
  // From here until the transaction ends, other transactions that append to this log wait:
  // append last, after the work that may wait on other transactions' row locks.
  void AppendAll(pqxx::work& tx, const std::vector<PendingEvent>& events) const;
  // AppendAll of events encoded ahead.
  void AppendAll(pqxx::work& tx, const Batch& events) const;

  // Drafts one event and appends it (AppendAll of one). Returns the event as readers will see
  // it.
  io::cloudevents::v1::CloudEvent Append(pqxx::work& tx, std::string_view organization,
                                         std::string_view type, std::string_view subject,
                                         int64_t revision, const google::protobuf::Message& payload,
                                         absl::Time time, absl::BitGenRef random,
                                         const std::vector<std::string>& audience = {}) const;

  // Reads up to `limit` events of `organization` (kAllOrganizations: of all) after `cursor`
  // (empty: from the start), in commit order. Never skips an event that commits later.
  // Continue from ReadResult::cursor, which may be past the last event returned.
  absl::StatusOr<ReadResult> Read(db::ConnectionPool& pool, absl::Time deadline,
                                  std::string_view organization, std::string_view cursor,
                                  const EventFilter& filter, int limit) const;

  // INVALID_ARGUMENT on `field` when `cursor` is not a cursor of this log.
  static absl::Status ValidateCursor(std::string_view cursor, std::string_view field);

  // The cursor after the last event visible to `tx`'s current statement: reading after it
  // delivers every event committed later. Under READ COMMITTED a later statement of `tx` may
  // see a few of those events' changes too, so they may repeat what it read. Used to start a
  // stream right after a snapshot of current state (WatchTasks' backlog).
  static std::string CursorAtSnapshot(pqxx::work& tx);

  const std::string& channel() const { return channel_; }
  const std::string& service() const { return service_; }

 private:
  std::string service_;
  std::string channel_;
};

}  // namespace throughline::eventlog
