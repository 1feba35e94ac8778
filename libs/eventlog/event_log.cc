#include "libs/eventlog/event_log.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/api/uuid.h"
#include "libs/db/prepared.h"
#include "libs/db/sql_array.h"
#include "libs/db/transaction.h"
#include "libs/errors/errors.h"

namespace throughline::eventlog {
namespace {

using io::cloudevents::v1::CloudEvent;

// One statement appends a batch of $9 events, one round trip where it used to take three (a
// small write is mostly round trips, BENCHMARKS.md):
// - it reserves the next positions, in commit order: the row lock of event_log_head taken here
//   is held until this transaction commits, so the next writer takes its positions only after
//   this one's events are visible (platform migration 0003);
// - it inserts one row per element of the arrays; each audience element is itself an array
//   literal, and the events' bytes come as one binary parameter (db::BinaryColumn);
// - it notifies each organization's listeners on channel $10, which PostgreSQL delivers at
//   commit, with the last position of the batch ("<organization> <position>", see
//   EventLog::Notified), and returns the position of the first event with each notification.
// The head's position is read as a scalar subquery, not joined: until the one-row head table
// is first vacuumed or analyzed, PostgreSQL assumes it holds about 2,200 rows, and a join
// multiplied a fan-out's 1,000 events into an estimate of 2.2 million rows, whose cost
// set off JIT compilation on every such append (BENCHMARKS.md, step 17).
constexpr db::PreparedStatement kAppend{"append_events", R"sql(
  WITH head AS (
    UPDATE event_log_head SET position = position + $9 RETURNING position - $9 AS before
  ), appended AS (
    INSERT INTO event_log (organization, event_id, type, subject, event, audience, position)
    SELECT e.organization, e.event_id::uuid, e.type, e.subject,
           substring($5::bytea FROM e.start FOR e.length), e.audience::text[],
           (SELECT before FROM head) + e.ordinality
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::int[], $7::int[], $8::text[])
         WITH ORDINALITY
         AS e(organization, event_id, type, subject, start, length, audience, ordinality)
    RETURNING organization
  )
  SELECT (SELECT before FROM head) + 1,
         pg_notify($10, organization || ' ' || ((SELECT before FROM head) + $9))
  FROM (SELECT DISTINCT organization FROM appended) AS woken)sql"};
// Read: the events after a position, then the filters the call has (db::FilteredStatement),
// then kReadEnd. Every row also carries the head's position, the last one committed in the
// statement's snapshot; the one row with no event when nothing matched.
constexpr char kRead[] = R"sql(
  SELECT head.position, e.position, e.event FROM event_log_head AS head LEFT JOIN LATERAL (
    SELECT position, event FROM event_log WHERE position > $?)sql";
constexpr char kReadEnd[] = " ORDER BY position LIMIT $?) AS e ON true ORDER BY e.position";
constexpr char kLastPosition[] = "SELECT position FROM event_log_head";

constexpr char kCursorPrefix[] = "ev2:";

std::string EncodeCursor(int64_t position) {
  return absl::WebSafeBase64Escape(absl::StrCat(kCursorPrefix, position));
}

// The position a cursor stands at; 0 (before every event) for the empty cursor.
absl::StatusOr<int64_t> DecodeCursor(std::string_view cursor, std::string_view field) {
  if (cursor.empty()) return 0;
  std::string plain;
  int64_t position = 0;
  if (!absl::WebSafeBase64Unescape(std::string(cursor), &plain) ||
      plain.rfind(kCursorPrefix, 0) != 0 ||
      !absl::SimpleAtoi(plain.substr(sizeof(kCursorPrefix) - 1), &position) || position < 0) {
    return errors::InvalidField(std::string(field),
                                "not a cursor of this event log; pass the cursor of a received "
                                "event, or leave it empty to read from the beginning");
  }
  return position;
}

CloudEvent::CloudEventAttributeValue StringAttribute(std::string_view value) {
  CloudEvent::CloudEventAttributeValue attribute;
  attribute.set_ce_string(std::string(value));
  return attribute;
}

// What the read statement's filters select (EventLog::Read), for the events held in memory.
bool Matches(const EventLog::PendingEvent& pending, std::string_view organization,
             const EventFilter& filter) {
  const std::string& subject = pending.subject;
  const std::string& prefix = filter.subject_prefix;
  return (organization.empty() || pending.organization == organization) &&
         (filter.type.empty() || pending.event.type() == filter.type) &&
         (prefix.empty() || subject == prefix ||
          (subject.size() > prefix.size() && subject.compare(0, prefix.size(), prefix) == 0 &&
           subject[prefix.size()] == '/')) &&
         (filter.audience.empty() || std::find(pending.audience.begin(), pending.audience.end(),
                                               filter.audience) != pending.audience.end());
}

}  // namespace

EventLog::EventLog(std::string service, std::string schema)
    : service_(std::move(service)), channel_(absl::StrCat(schema, "_events")) {}

EventLog::PendingEvent EventLog::Draft(std::string_view organization, std::string_view type,
                                       std::string_view subject, int64_t revision,
                                       const google::protobuf::Message& payload, absl::Time time,
                                       absl::BitGenRef random,
                                       const std::vector<std::string>& audience) const {
  PendingEvent pending{std::string(organization), std::string(subject), audience, CloudEvent()};
  CloudEvent& event = pending.event;
  event.set_id(api::NewUuid(random));
  event.set_source(
      absl::StrCat("//", service_, ".throughline.dev/organizations/", std::string(organization)));
  event.set_spec_version("1.0");
  event.set_type(std::string(type));
  auto& attributes = *event.mutable_attributes();
  attributes["subject"] = StringAttribute(subject);
  attributes["organization"] = StringAttribute(organization);
  *attributes["time"].mutable_ce_timestamp() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(time));
  attributes["revision"].set_ce_string(absl::StrCat(revision));
  attributes["datacontenttype"] = StringAttribute("application/protobuf");
  event.mutable_proto_data()->PackFrom(payload);
  return pending;
}

void EventLog::Batch::Add(PendingEvent pending) {
  Encode(pending);
  events_.push_back(std::move(pending));
}

void EventLog::Batch::Encode(const PendingEvent& pending) {
  organizations_.AddText(pending.organization);
  ids_.AddText(pending.event.id());
  types_.AddText(pending.event.type());
  subjects_.AddText(pending.subject);
  bodies_.Add(pending.event.SerializeAsString());
  audiences_.AddText(db::TextArray(pending.audience));
}

void EventLog::Batch::Add(Batch&& other) {
  organizations_.Append(other.organizations_);
  ids_.Append(other.ids_);
  types_.Append(other.types_);
  subjects_.Append(other.subjects_);
  bodies_.Append(other.bodies_);
  audiences_.Append(other.audiences_);
  std::move(other.events_.begin(), other.events_.end(), std::back_inserter(events_));
  other = Batch();
}

void EventLog::AppendAll(pqxx::work& tx, const std::vector<PendingEvent>& events) const {
  Batch batch;
  for (const PendingEvent& pending : events) batch.Encode(pending);
  AppendAll(tx, batch);
}

int64_t EventLog::AppendAll(pqxx::work& tx, const Batch& events) const {
  if (events.size() == 0) return 0;
  const pqxx::result rows = db::ExecPrepared(
      tx, kAppend, events.organizations_.str(), events.ids_.str(), events.types_.str(),
      events.subjects_.str(), events.bodies_.blob(), events.bodies_.starts(),
      events.bodies_.lengths(), events.audiences_.str(), events.size(), channel_);
  return rows[0][0].as<int64_t>();
}

void EventLog::Appending(int64_t first_position, const Batch& events) const {
  std::set<std::string> organizations;
  for (const PendingEvent& pending : events.events_) organizations.insert(pending.organization);
  recent_->Appending(first_position, events.size(), std::move(organizations));
}

void EventLog::Committed(int64_t first_position, Batch events) const {
  const std::set<std::string> organizations = recent_->Ended(first_position);
  recent_->Add(first_position, std::move(events.events_));
  Wake(organizations);
}

void EventLog::Abandoned(int64_t first_position) const { Wake(recent_->Ended(first_position)); }

void EventLog::Wake(const std::set<std::string>& organizations) const {
  if (!wake_) return;
  for (const std::string& organization : organizations) wake_(organization);
}

void EventLog::SetLocalWake(std::function<void(const std::string& organization)> wake) {
  wake_ = std::move(wake);
}

EventLog::Notification EventLog::ParseNotification(std::string_view payload) {
  Notification notification;
  const size_t space = payload.rfind(' ');
  int64_t position = 0;
  if (space != std::string_view::npos &&
      absl::SimpleAtoi(absl::string_view(payload.data() + space + 1, payload.size() - space - 1),
                       &position)) {
    notification.organization = std::string(payload.substr(0, space));
    notification.last_position = position;
  } else {
    notification.organization = std::string(payload);
  }
  return notification;
}

void EventLog::Notified(std::optional<int64_t> last_position) const {
  recent_->Notified(last_position);
}

int64_t EventLog::LastPosition(pqxx::transaction_base& tx) {
  return tx.exec1(kLastPosition)[0].as<int64_t>();
}

void EventLog::Recent::Appending(int64_t first_position, int64_t count,
                                 std::set<std::string> organizations) {
  absl::MutexLock lock(&mu_);
  unended_[first_position] = Unended{count, std::move(organizations)};
}

std::set<std::string> EventLog::Recent::Ended(int64_t first_position) {
  absl::MutexLock lock(&mu_);
  std::set<std::string> organizations;
  organizations.swap(waiting_);
  auto found = unended_.find(first_position);
  if (found == unended_.end()) return organizations;
  organizations.merge(found->second.organizations);
  unended_.erase(found);
  return organizations;
}

void EventLog::Recent::Notified(std::optional<int64_t> last_position) {
  absl::MutexLock lock(&mu_);
  known_head_ = last_position ? std::max(known_head_, *last_position) : kUnknown;
}

void EventLog::Recent::Add(int64_t first_position, std::vector<PendingEvent> events) {
  absl::MutexLock lock(&mu_);
  // Later commits are notified. While the head is unknown (a notification without a
  // position), it stays unknown.
  if (known_head_ != kUnknown) {
    known_head_ = std::max(known_head_, first_position + static_cast<int64_t>(events.size()) - 1);
  }
  held_ += events.size();
  runs_[first_position] = std::move(events);
  // The oldest go first; the run just added stays, however long.
  for (auto run = runs_.begin(); held_ > kCapacity && run != runs_.end();) {
    if (run->first == first_position) {
      ++run;
      continue;
    }
    held_ -= run->second.size();
    run = runs_.erase(run);
  }
}

std::optional<ReadResult> EventLog::Recent::ReadAfter(int64_t position,
                                                      std::string_view organization,
                                                      const EventFilter& filter, int limit) const {
  absl::MutexLock lock(&mu_);
  // An append of this process that has not ended holds position + 1: nothing yet.
  auto append = unended_.upper_bound(position + 1);
  if (append != unended_.begin() &&
      std::prev(append)->first + std::prev(append)->second.count > position + 1) {
    waiting_.insert(std::string(organization));
    return ReadResult{{}, EncodeCursor(position), false};
  }
  // Nothing committed after `position` that this process knows of: what commits later is
  // notified, and the notification wakes the reader again.
  if (known_head_ != kUnknown && position >= known_head_) {
    return ReadResult{{}, EncodeCursor(position), false};
  }
  // The run holding position + 1: the last one starting at or before it.
  auto run = runs_.upper_bound(position + 1);
  if (run == runs_.begin()) return std::nullopt;
  --run;
  if (run->first + static_cast<int64_t>(run->second.size()) <= position + 1) return std::nullopt;
  ReadResult result;
  result.more = true;
  int64_t next = position + 1;  // the position to look at
  for (; run != runs_.end() && run->first <= next; ++run) {
    for (size_t i = next - run->first; i < run->second.size(); ++i, ++next) {
      const PendingEvent& pending = run->second[i];
      if (!Matches(pending, organization, filter)) continue;
      result.events.push_back(LoggedEvent{pending.event, EncodeCursor(next)});
      if (static_cast<int>(result.events.size()) == limit) {
        result.cursor = result.events.back().cursor;
        return result;
      }
    }
  }
  result.cursor = EncodeCursor(next - 1);
  // A page that reached the known head is complete; short of it, the rest is in the database.
  result.more = known_head_ == kUnknown || next - 1 < known_head_;
  return result;
}

namespace {

// The appends of the attempt of EventLog::RunTransaction running on this thread, if any.
struct AttemptAppends {
  const EventLog* log;
  const pqxx::work* tx;
  std::vector<std::pair<int64_t, EventLog::Batch>> batches;  // by first position
};
thread_local AttemptAppends* attempt_appends = nullptr;

}  // namespace

absl::Status EventLog::RunTransaction(db::ConnectionPool& pool, absl::Time deadline,
                                      const std::function<absl::Status(pqxx::work&)>& body) const {
  // The latest attempt's appends: committed with it, or abandoned however it ended.
  std::vector<std::pair<int64_t, Batch>> appended;
  auto abandon = [&] {
    for (const auto& batch : appended) Abandoned(batch.first);
    appended.clear();
  };
  const absl::Status status = db::RunTransaction(pool, deadline, [&](pqxx::work& tx) {
    abandon();  // an earlier attempt's
    AttemptAppends attempt{this, &tx, {}};
    AttemptAppends* const outer = std::exchange(attempt_appends, &attempt);
    absl::Cleanup end = [&] {
      attempt_appends = outer;
      appended = std::move(attempt.batches);
    };
    return body(tx);
  });
  if (!status.ok()) {
    abandon();
    return status;
  }
  for (auto& [first_position, batch] : appended) Committed(first_position, std::move(batch));
  return status;
}

CloudEvent EventLog::Append(pqxx::work& tx, std::string_view organization, std::string_view type,
                            std::string_view subject, int64_t revision,
                            const google::protobuf::Message& payload, absl::Time time,
                            absl::BitGenRef random,
                            const std::vector<std::string>& audience) const {
  PendingEvent pending =
      Draft(organization, type, subject, revision, payload, time, random, audience);
  CloudEvent event = pending.event;
  Batch batch;
  batch.Add(std::move(pending));
  const int64_t first_position = AppendAll(tx, batch);
  if (attempt_appends != nullptr && attempt_appends->log == this && attempt_appends->tx == &tx) {
    Appending(first_position, batch);
    attempt_appends->batches.emplace_back(first_position, std::move(batch));
  }
  return event;
}

absl::StatusOr<ReadResult> EventLog::Read(db::ConnectionPool& pool, absl::Time deadline,
                                          std::string_view organization, std::string_view cursor,
                                          const EventFilter& filter, int limit) const {
  auto start = DecodeCursor(cursor, "after_cursor");
  if (!start.ok()) return start.status();
  if (auto recent = recent_->ReadAfter(*start, organization, filter, limit)) return *recent;
  ReadResult result;
  absl::Status status = db::RunRead(pool, deadline, [&](pqxx::transaction_base& tx) {
    result = ReadResult();
    const std::string& prefix = filter.subject_prefix;
    db::FilteredStatement statement("read_events");
    statement.Add(kRead, absl::StrCat(*start))
        .AddIf(!organization.empty(), " AND organization = $?", std::string(organization))
        .AddIf(!filter.type.empty(), " AND type = $?", filter.type)
        .AddIf(!prefix.empty(), " AND (subject = $? OR left(subject, length($?) + 1) = $? || '/')",
               prefix)
        .AddIf(!filter.audience.empty(), " AND audience @> ARRAY[$?]", filter.audience)
        .Add(kReadEnd, absl::StrCat(limit));
    const pqxx::result rows = statement.Exec(tx);
    int64_t last = *start;
    for (const auto& row : rows) {
      if (row[1].is_null()) break;  // nothing matched
      LoggedEvent logged;
      last = row[1].as<int64_t>();
      if (!logged.event.ParseFromString(pqxx::binarystring(row[2]).str())) {
        return errors::Internal(absl::StrCat("corrupt event at position ", last));
      }
      logged.cursor = EncodeCursor(last);
      result.events.push_back(std::move(logged));
    }
    // Positions follow commit order without gaps, so a short page has seen every event up to
    // the head of its snapshot.
    result.more = static_cast<int>(result.events.size()) == limit;
    if (!result.more && !rows.empty()) last = std::max(last, rows[0][0].as<int64_t>());
    result.cursor = EncodeCursor(last);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

std::string EventLog::CursorAtSnapshot(pqxx::work& tx) { return EncodeCursor(LastPosition(tx)); }

absl::Status EventLog::ValidateCursor(std::string_view cursor, std::string_view field) {
  return DecodeCursor(cursor, field).status();
}

}  // namespace throughline::eventlog
