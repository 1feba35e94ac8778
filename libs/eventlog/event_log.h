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
  // Committed events exist past the cursor that are held back until an older transaction
  // finishes; read again shortly.
  bool unsettled = false;
};

// One service's event log (DESIGN.md §4): a transactional outbox in the service's schema
// (table event_log, platform migration 0001), read in commit-safe order.
class EventLog {
 public:
  // `service` names the producer ("segment"); `schema` is the service's schema, which also
  // names the NOTIFY channel "<schema>_events".
  EventLog(std::string service, std::string schema);

  // Writes an event in the caller's transaction, so it exists if and only if the change
  // commits, and wakes readers when it commits. Returns the event as readers will see it.
  io::cloudevents::v1::CloudEvent Append(pqxx::work& tx, std::string_view organization,
                                         std::string_view type, std::string_view subject,
                                         int64_t revision,
                                         const google::protobuf::Message& payload,
                                         absl::Time time, absl::BitGenRef random,
                                         const std::vector<std::string>& audience = {}) const;

  // Reads up to `limit` events of `organization` (kAllOrganizations: of all) after `cursor`
  // (empty: from the start), in log order. Never skips an event that commits later: only rows whose transaction can no
  // longer be in flight are returned.
  absl::StatusOr<ReadResult> Read(db::ConnectionPool& pool, absl::Time deadline,
                                  std::string_view organization, std::string_view cursor,
                                  const EventFilter& filter, int limit) const;

  // INVALID_ARGUMENT on `field` when `cursor` is not a cursor of this log.
  static absl::Status ValidateCursor(std::string_view cursor, std::string_view field);

  // A cursor just before every event whose transaction may still be in flight now, read in
  // `tx`: reading after it delivers every event not committed before `tx`'s snapshot, and at
  // worst repeats the few that committed while older transactions were still open. Used to
  // start a stream right after a snapshot of current state (WatchTasks' backlog).
  static std::string CursorAtSnapshot(pqxx::work& tx);

  const std::string& channel() const { return channel_; }
  const std::string& service() const { return service_; }

 private:
  std::string service_;
  std::string channel_;
};

}  // namespace throughline::eventlog
