#include "libs/eventlog/event_log.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/api/uuid.h"
#include "libs/db/transaction.h"
#include "libs/errors/errors.h"

namespace throughline::eventlog {
namespace {

using io::cloudevents::v1::CloudEvent;

// The next position, in commit order: the row lock taken here is held until this transaction
// commits, so the next writer takes its position only after this one's events are visible
// (platform migration 0003).
constexpr char kNextPosition[] = R"sql(
  UPDATE event_log_head SET position = position + 1 RETURNING position)sql";
constexpr char kInsert[] = R"sql(
  INSERT INTO event_log (organization, event_id, type, subject, event, audience, position)
  VALUES ($1, $2::uuid, $3, $4, $5, $6::text[], $7))sql";
constexpr char kNotify[] = "SELECT pg_notify($1, $2)";

constexpr char kRead[] = R"sql(
  SELECT position, event FROM event_log
  WHERE ($1 = '' OR organization = $1)
    AND position > $2
    AND ($3 = '' OR type = $3)
    AND ($4 = '' OR subject = $4 OR left(subject, length($4) + 1) = $4 || '/')
    AND ($6 = '' OR audience @> ARRAY[$6])
  ORDER BY position
  LIMIT $5)sql";
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

// A text[] literal for PostgreSQL: {"a","b"} with quotes and backslashes escaped.
std::string SqlArray(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

CloudEvent::CloudEventAttributeValue StringAttribute(std::string_view value) {
  CloudEvent::CloudEventAttributeValue attribute;
  attribute.set_ce_string(std::string(value));
  return attribute;
}

}  // namespace

EventLog::EventLog(std::string service, std::string schema)
    : service_(std::move(service)), channel_(absl::StrCat(schema, "_events")) {}

CloudEvent EventLog::Append(pqxx::work& tx, std::string_view organization,
                            std::string_view type, std::string_view subject, int64_t revision,
                            const google::protobuf::Message& payload, absl::Time time,
                            absl::BitGenRef random,
                            const std::vector<std::string>& audience) const {
  CloudEvent event;
  event.set_id(api::NewUuid(random));
  event.set_source(absl::StrCat("//", service_, ".throughline.dev/organizations/",
                                 std::string(organization)));
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

  const int64_t position = tx.exec1(kNextPosition)[0].as<int64_t>();
  tx.exec_params0(kInsert, std::string(organization), event.id(), event.type(),
                  std::string(subject), pqxx::binarystring(event.SerializeAsString()),
                  SqlArray(audience), position);
  tx.exec_params(kNotify, channel_, std::string(organization));
  return event;
}

absl::StatusOr<ReadResult> EventLog::Read(db::ConnectionPool& pool, absl::Time deadline,
                                          std::string_view organization,
                                          std::string_view cursor, const EventFilter& filter,
                                          int limit) const {
  auto start = DecodeCursor(cursor, "after_cursor");
  if (!start.ok()) return start.status();
  ReadResult result;
  absl::Status status = db::RunTransaction(pool, deadline, [&](pqxx::work& tx) {
    result = ReadResult();
    const pqxx::result rows =
        tx.exec_params(kRead, std::string(organization), *start, filter.type,
                       filter.subject_prefix, limit, filter.audience);
    for (const auto& row : rows) {
      LoggedEvent logged;
      const int64_t position = row[0].as<int64_t>();
      if (!logged.event.ParseFromString(pqxx::binarystring(row[1]).str())) {
        return errors::Internal(absl::StrCat("corrupt event at position ", position));
      }
      logged.cursor = EncodeCursor(position);
      result.events.push_back(std::move(logged));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

std::string EventLog::CursorAtSnapshot(pqxx::work& tx) {
  return EncodeCursor(tx.exec1(kLastPosition)[0].as<int64_t>());
}

absl::Status EventLog::ValidateCursor(std::string_view cursor, std::string_view field) {
  return DecodeCursor(cursor, field).status();
}

}  // namespace throughline::eventlog
