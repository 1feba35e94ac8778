#include "services/segment/segment_store.h"

#include "libs/db/prepared.h"
#include "libs/db/proto_json.h"
#include "libs/db/sql_array.h"

namespace throughline::segment {
namespace {

using db::ToSqlTime;

constexpr char kInsertMarket[] = R"sql(
  INSERT INTO markets (organization, market_id, uid, decision, version, body_pb, create_time,
                       update_time)
  VALUES ($1, $2, $3::uuid, $4, $5, $6, $7::timestamptz, $8::timestamptz)
  ON CONFLICT (organization, market_id) DO NOTHING
  RETURNING id)sql";
constexpr char kFindMarket[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, body_pb, version FROM markets
  WHERE organization = $1 AND market_id = $2)sql";
constexpr char kFindMarketForUpdate[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, body_pb, version FROM markets
  WHERE organization = $1 AND market_id = $2 FOR UPDATE)sql";
constexpr char kUpdateMarket[] = R"sql(
  UPDATE markets SET decision = $3, version = $4, body = NULL, body_pb = $5,
                     update_time = $6::timestamptz
  WHERE organization = $1 AND market_id = $2)sql";
constexpr char kDeleteMarket[] = R"sql(
  DELETE FROM markets WHERE organization = $1 AND market_id = $2)sql";
constexpr char kListMarkets[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, body_pb FROM markets
  WHERE organization = $1 AND id > $2 AND ($3 = '' OR decision = $3)
  ORDER BY id LIMIT $4)sql";

constexpr char kInsertSegment[] = R"sql(
  INSERT INTO segments (organization, market_id, segment_id, uid, targeting, revision, body_pb,
                        create_time, update_time)
  VALUES ($1, $2, $3, $4::uuid, $5, $6, $7, $8::timestamptz, $9::timestamptz)
  ON CONFLICT (organization, market_id, segment_id) DO NOTHING
  RETURNING id)sql";
// GetSegment's reads, coalesced (db::ReadCoalescer): the segments of the keys given as three
// text arrays, each row with the key's position (1-based). Prepared: whatever the arrays, the
// plan is one unique-index lookup per key.
constexpr db::PreparedStatement kFindSegments{"find_segments", R"sql(
  SELECT k.position, s.id, CASE WHEN s.body_pb IS NULL THEN s.body END, s.body_pb
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY
       AS k(organization, market_id, segment_id, position)
  JOIN segments AS s USING (organization, market_id, segment_id))sql"};
// UpdateSegment's statements, prepared like GetSegment's (and the event append).
constexpr db::PreparedStatement kLockSegment{"lock_segment", R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, body_pb FROM segments
  WHERE organization = $1 AND market_id = $2 AND segment_id = $3 FOR UPDATE)sql"};
constexpr db::PreparedStatement kUpdateSegment{"update_segment", R"sql(
  UPDATE segments SET targeting = $4, revision = $5, body = NULL, body_pb = $6,
                      update_time = $7::timestamptz
  WHERE organization = $1 AND market_id = $2 AND segment_id = $3)sql"};
constexpr char kDeleteSegment[] = R"sql(
  DELETE FROM segments WHERE organization = $1 AND market_id = $2 AND segment_id = $3)sql";
constexpr char kLockSegmentsOfMarket[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, body_pb FROM segments
  WHERE organization = $1 AND market_id = $2
  ORDER BY id FOR UPDATE)sql";
constexpr char kListSegments[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, body_pb FROM segments
  WHERE organization = $1 AND id > $2
    AND ($3 = '' OR market_id = $3)
    AND ($4 = '' OR targeting = $4)
  ORDER BY id LIMIT $5)sql";

// Rows are read as (id, body, body_pb[, version]): since migration 0002 a resource is stored
// as serialized protobuf in body_pb; `body` is the JSON of rows written before, selected only
// for them.
template <typename Resource>
std::vector<Stored<Resource>> ReadAll(const pqxx::result& rows) {
  std::vector<Stored<Resource>> stored(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    stored[i].key = rows[i][0].as<int64_t>();
    db::FromStored(rows[i][1], rows[i][2], &stored[i].resource);
    if (rows.columns() > 3) stored[i].version = rows[i][3].as<int64_t>();
  }
  return stored;
}

pqxx::binarystring Binary(const google::protobuf::Message& resource) {
  return pqxx::binarystring(resource.SerializeAsString());
}

template <typename Resource>
std::optional<Stored<Resource>> ReadOne(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return ReadAll<Resource>(rows).front();
}

}  // namespace

bool SegmentStore::InsertMarket(pqxx::work& tx, const std::string& organization,
                                const std::string& market_id, int64_t version,
                                const v1::Market& market) {
  return !tx.exec_params(kInsertMarket, organization, market_id, market.uid(),
                         v1::Market::Decision_Name(market.decision()), version, Binary(market),
                         ToSqlTime(market.create_time()), ToSqlTime(market.update_time()))
              .empty();
}

std::optional<Stored<v1::Market>> SegmentStore::FindMarket(pqxx::transaction_base& tx,
                                                           const std::string& organization,
                                                           const std::string& market_id,
                                                           bool for_update) {
  return ReadOne<v1::Market>(
      tx.exec_params(for_update ? kFindMarketForUpdate : kFindMarket, organization, market_id));
}

void SegmentStore::UpdateMarket(pqxx::work& tx, const std::string& organization,
                                const std::string& market_id, int64_t version,
                                const v1::Market& market) {
  tx.exec_params0(kUpdateMarket, organization, market_id,
                  v1::Market::Decision_Name(market.decision()), version, Binary(market),
                  ToSqlTime(market.update_time()));
}

void SegmentStore::DeleteMarket(pqxx::work& tx, const std::string& organization,
                                const std::string& market_id) {
  tx.exec_params0(kDeleteMarket, organization, market_id);
}

std::vector<Stored<v1::Market>> SegmentStore::ListMarkets(pqxx::transaction_base& tx,
                                                          const std::string& organization,
                                                          const std::string& decision,
                                                          int64_t after_key, int limit) {
  return ReadAll<v1::Market>(
      tx.exec_params(kListMarkets, organization, after_key, decision, limit));
}

bool SegmentStore::InsertSegment(pqxx::work& tx, const std::string& organization,
                                 const std::string& market_id, const std::string& segment_id,
                                 const v1::Segment& segment) {
  return !tx.exec_params(kInsertSegment, organization, market_id, segment_id, segment.uid(),
                         v1::Segment::Targeting_Name(segment.targeting()), segment.revision(),
                         Binary(segment), ToSqlTime(segment.create_time()),
                         ToSqlTime(segment.update_time()))
              .empty();
}

std::vector<std::optional<Stored<v1::Segment>>> SegmentStore::FindSegments(
    pqxx::transaction_base& tx, const std::vector<SegmentKey>& keys) {
  db::ArrayLiteral organizations;
  db::ArrayLiteral market_ids;
  db::ArrayLiteral segment_ids;
  for (const SegmentKey& key : keys) {
    organizations.AddText(key.organization);
    market_ids.AddText(key.market_id);
    segment_ids.AddText(key.segment_id);
  }
  std::vector<std::optional<Stored<v1::Segment>>> found(keys.size());
  for (const pqxx::row& row : db::ExecPrepared(tx, kFindSegments, organizations.str(),
                                               market_ids.str(), segment_ids.str())) {
    auto& stored = found.at(row[0].as<size_t>() - 1).emplace();
    stored.key = row[1].as<int64_t>();
    db::FromStored(row[2], row[3], &stored.resource);
  }
  return found;
}

std::optional<Stored<v1::Segment>> SegmentStore::LockSegment(pqxx::work& tx,
                                                             const std::string& organization,
                                                             const std::string& market_id,
                                                             const std::string& segment_id) {
  return ReadOne<v1::Segment>(
      db::ExecPrepared(tx, kLockSegment, organization, market_id, segment_id));
}

void SegmentStore::UpdateSegment(pqxx::work& tx, const std::string& organization,
                                 const std::string& market_id, const std::string& segment_id,
                                 const v1::Segment& segment) {
  db::ExecPrepared(tx, kUpdateSegment, organization, market_id, segment_id,
                   v1::Segment::Targeting_Name(segment.targeting()), segment.revision(),
                   Binary(segment), ToSqlTime(segment.update_time()));
}

void SegmentStore::DeleteSegment(pqxx::work& tx, const std::string& organization,
                                 const std::string& market_id, const std::string& segment_id) {
  tx.exec_params0(kDeleteSegment, organization, market_id, segment_id);
}

std::vector<Stored<v1::Segment>> SegmentStore::LockSegmentsOfMarket(pqxx::work& tx,
                                                                    const std::string& organization,
                                                                    const std::string& market_id) {
  return ReadAll<v1::Segment>(tx.exec_params(kLockSegmentsOfMarket, organization, market_id));
}

std::vector<Stored<v1::Segment>> SegmentStore::ListSegments(pqxx::transaction_base& tx,
                                                            const SegmentQuery& query) {
  return ReadAll<v1::Segment>(tx.exec_params(kListSegments, query.organization, query.after_key,
                                             query.market_id, query.targeting, query.limit));
}

}  // namespace throughline::segment
