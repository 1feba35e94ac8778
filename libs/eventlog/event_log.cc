#include "libs/eventlog/event_log.h"

#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "libs/api/uuid.h"
#include "libs/db/transaction.h"
#include "libs/errors/errors.h"

namespace throughline::eventlog {
namespace {

using io::cloudevents::v1::CloudEvent;

constexpr char kInsert[] = R"sql(
  INSERT INTO event_log (organization, event_id, type, subject, event, audience)
  VALUES ($1, $2::uuid, $3, $4, $5, $6::text[]))sql";
constexpr char kNotify[] = "SELECT pg_notify($1, $2)";

// Rows below the snapshot's xmin belong to transactions that are no longer in flight: no
// row can later appear before them. (txid, id) orders rows of one transaction by insertion.
constexpr char kReadSettled[] = R"sql(
  SELECT txid::text, id, event FROM event_log
  WHERE ($1 = '' OR organization = $1)
    AND (txid, id) > ($2::xid8, $3::bigint)
    AND txid < pg_snapshot_xmin(pg_current_snapshot())
    AND ($4 = '' OR type = $4)
    AND ($5 = '' OR subject = $5 OR left(subject, length($5) + 1) = $5 || '/')
    AND ($7 = '' OR audience @> ARRAY[$7])
  ORDER BY txid, id
  LIMIT $6)sql";
constexpr char kAnyUnsettled[] = R"sql(
  SELECT EXISTS (
    SELECT 1 FROM event_log
    WHERE ($1 = '' OR organization = $1)
      AND (txid, id) > ($2::xid8, $3::bigint)
      AND txid >= pg_snapshot_xmin(pg_current_snapshot())))sql";
constexpr char kSnapshotXmin[] = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text";
constexpr int64_t kLastIdOfTransaction = std::numeric_limits<int64_t>::max();

constexpr char kCursorPrefix[] = "ev1:";

struct Position {
  std::string txid = "0";
  int64_t id = 0;
};

std::string EncodeCursor(const Position& position) {
  return absl::WebSafeBase64Escape(absl::StrCat(kCursorPrefix, position.txid, ":", position.id));
}

absl::StatusOr<Position> DecodeCursor(std::string_view cursor, std::string_view field) {
  Position position;
  if (cursor.empty()) return position;
  std::string plain;
  const auto invalid = [&] {
    return errors::InvalidField(std::string(field),
                                "not a cursor of this event log; pass the cursor of a received "
                                "event, or leave it empty to read from the beginning");
  };
  if (!absl::WebSafeBase64Unescape(std::string(cursor), &plain) ||
      plain.rfind(kCursorPrefix, 0) != 0) {
    return invalid();
  }
  std::vector<std::string> parts = absl::StrSplit(plain.substr(sizeof(kCursorPrefix) - 1), ':');
  uint64_t txid = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &txid) ||
      !absl::SimpleAtoi(parts[1], &position.id) || position.id < 0) {
    return invalid();
  }
  position.txid = absl::StrCat(txid);
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

  tx.exec_params0(kInsert, std::string(organization), event.id(), event.type(),
                  std::string(subject), pqxx::binarystring(event.SerializeAsString()),
                  SqlArray(audience));
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
    const std::string org(organization);
    const pqxx::result rows = tx.exec_params(kReadSettled, org, start->txid, start->id,
                                             filter.type, filter.subject_prefix, limit,
                                             filter.audience);
    for (const auto& row : rows) {
      LoggedEvent logged;
      if (!logged.event.ParseFromString(pqxx::binarystring(row[2]).str())) {
        return errors::Internal(absl::StrCat("corrupt event row ", row[1].as<int64_t>()));
      }
      logged.cursor = EncodeCursor({row[0].as<std::string>(), row[1].as<int64_t>()});
      result.events.push_back(std::move(logged));
    }
    if (static_cast<int>(rows.size()) < limit) {
      Position last = *start;
      if (!rows.empty()) last = {rows.back()[0].as<std::string>(), rows.back()[1].as<int64_t>()};
      result.unsettled =
          tx.exec_params1(kAnyUnsettled, org, last.txid, last.id)[0].as<bool>();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

std::string EventLog::CursorAtSnapshot(pqxx::work& tx) {
  uint64_t xmin = 0;
  const std::string text = tx.exec1(kSnapshotXmin)[0].as<std::string>();
  if (!absl::SimpleAtoi(text, &xmin) || xmin == 0) return "";
  // Every row of a transaction below xmin sorts before (xmin - 1, max id).
  return EncodeCursor({absl::StrCat(xmin - 1), kLastIdOfTransaction});
}

absl::Status EventLog::ValidateCursor(std::string_view cursor, std::string_view field) {
  return DecodeCursor(cursor, field).status();
}

}  // namespace throughline::eventlog
