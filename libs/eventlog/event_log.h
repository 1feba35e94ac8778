#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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
  // Whether later events may already exist: after a full page, or a page served from this
  // process's latest appends (EventLog::Committed) that stops short of the log's head as this
  // process knows it (EventLog::Notified).
  bool more = false;
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
    void Add(PendingEvent event);
    // Adds every event of `other`, after this batch's.
    void Add(Batch&& other);
    int64_t size() const { return static_cast<int64_t>(organizations_.size()); }

   private:
    friend class EventLog;
    // Adds `event`'s parameters only (AppendAll of a vector, which nothing hands to Committed).
    void Encode(const PendingEvent& event);

    db::ArrayLiteral organizations_, ids_, types_, subjects_, audiences_;
    db::BinaryColumn bodies_;
    std::vector<PendingEvent> events_;  // for Committed
  };

  // Writes `events` in the caller's transaction, in order, so they exist if and only if the
  // change commits, and wakes readers when it commits. One statement however many events
  // there are: a fan-out of 1,000 task events costs what one event costs in round trips.
  // From here until the transaction ends, other transactions that append to this log wait:
  // append last, after the work that may wait on other transactions' row locks.
  void AppendAll(pqxx::work& tx, const std::vector<PendingEvent>& events) const;
  // AppendAll of events encoded ahead. Returns the position of the first one (0 when there
  // are none), for Committed.
  int64_t AppendAll(pqxx::work& tx, const Batch& events) const;

  // This process's own watch streams can get the batches it appends from memory instead of
  // reading them back from the database: the five streams of a fan-out read their 200 events
  // each at the same time (BENCHMARKS.md, step 20). The writer tells the log how its
  // transaction ends:
  // - Appending, in the transaction, right after AppendAll: until the transaction ends, a read
  //   that reaches these positions returns nothing yet, and its organization's readers are
  //   woken when it ends. The events are not visible before the commit, and the commit's
  //   notification can wake the streams before the writer learns of the commit: they would
  //   read the batch from the database after all.
  // - Committed, once the commit succeeded: reads get the batch from memory, and its
  //   organizations' readers are woken (SetLocalWake). Only the latest few thousand events are
  //   held; older ones are read from the database.
  // - Abandoned, when the transaction failed or its outcome is unknown: reads go to the
  //   database again, and the readers are woken.
  // Positions are gapless and follow commit order, so what memory holds right after a
  // reader's cursor is exactly what the database would return there.
  void Appending(int64_t first_position, const Batch& events) const;
  void Committed(int64_t first_position, Batch events) const;
  void Abandoned(int64_t first_position) const;

  // What a notification on channel() says: the organization whose events committed and the
  // last position of the commit's events (nullopt from a writer that does not send it, such as
  // an older version during a rolling upgrade).
  struct Notification {
    std::string organization;
    std::optional<int64_t> last_position;
  };
  static Notification ParseNotification(std::string_view payload);
  // The log's head as this process last learned it, for reads from memory: the last position
  // of each notified commit (EventNotifier, before it wakes the readers), of each Committed
  // batch, and of the head the notifier reads when it polls. A read whose cursor is at the
  // known head gets nothing without a query, and a page from memory that reaches it is
  // complete: whatever commits later is notified, and its notification wakes the reader
  // (BENCHMARKS.md, step 22). nullopt makes the head unknown again, until the next position,
  // and reads go to the database as before.
  void Notified(std::optional<int64_t> last_position) const;
  // The last position committed in `tx`'s snapshot.
  static int64_t LastPosition(pqxx::transaction_base& tx);
  // How Committed and Abandoned wake the readers of an organization (the process's
  // EventNotifier sets it).
  void SetLocalWake(std::function<void(const std::string& organization)> wake);

  // db::RunTransaction for a change whose events are appended with Append: once it commits,
  // this process's own watch streams get those events from memory, woken at once instead of by
  // the commit's notification, and read nothing back from the database (Appending, Committed,
  // Abandoned, done for the caller). Only the Append calls given the body's `tx` are reported.
  absl::Status RunTransaction(db::ConnectionPool& pool, absl::Time deadline,
                              const std::function<absl::Status(pqxx::work&)>& body) const;

  // Drafts one event and appends it (AppendAll of one). Returns the event as readers will see
  // it. In a transaction of RunTransaction, the event reaches this process's readers from
  // memory once it commits.
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
  // The events given to Committed: runs of consecutive positions, by first position; the
  // positions of the appends whose transactions have not ended; and the known head.
  class Recent {
   public:
    void Appending(int64_t first_position, int64_t count, std::set<std::string> organizations);
    // Ends an append; returns the organizations to wake: those given to Appending and those
    // of the reads that got nothing yet since the last append ended.
    std::set<std::string> Ended(int64_t first_position);
    void Add(int64_t first_position, std::vector<PendingEvent> events);
    void Notified(std::optional<int64_t> last_position);
    // The events after `position` that match, while the positions held continue without a
    // gap (nothing when `position` is at the known head); nullopt when the event right after
    // `position` is not held.
    std::optional<ReadResult> ReadAfter(int64_t position, std::string_view organization,
                                        const EventFilter& filter, int limit) const;

   private:
    static constexpr size_t kCapacity = 4096;  // events

    mutable absl::Mutex mu_;
    std::map<int64_t, std::vector<PendingEvent>> runs_ ABSL_GUARDED_BY(mu_);
    size_t held_ ABSL_GUARDED_BY(mu_) = 0;
    struct Unended {
      int64_t count = 0;
      std::set<std::string> organizations;
    };
    std::map<int64_t, Unended> unended_ ABSL_GUARDED_BY(mu_);
    mutable std::set<std::string> waiting_ ABSL_GUARDED_BY(mu_);  // organizations
    int64_t known_head_ ABSL_GUARDED_BY(mu_) = kUnknown;
    static constexpr int64_t kUnknown = -1;
  };

  std::string service_;
  std::string channel_;
  // Calls wake_ for each of `organizations`.
  void Wake(const std::set<std::string>& organizations) const;

  std::unique_ptr<Recent> recent_ = std::make_unique<Recent>();
  std::function<void(const std::string& organization)> wake_;
};

}  // namespace throughline::eventlog
