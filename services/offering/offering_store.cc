#include "services/offering/offering_store.h"

#include "absl/strings/str_cat.h"
#include "libs/db/prepared.h"
#include "libs/db/proto_json.h"

namespace throughline::offering {
namespace {

using db::FromJson;
using db::ToJson;
using db::ToSqlTime;

constexpr char kInsertOffering[] = R"sql(
  INSERT INTO offerings (organization, offering_id, uid, target_segment, revision, body,
                         create_time, update_time)
  VALUES ($1, $2, $3::uuid, $4, $5, $6::jsonb, $7::timestamptz, $8::timestamptz)
  ON CONFLICT (organization, offering_id) DO NOTHING
  RETURNING id)sql";
constexpr char kFindOffering[] = R"sql(
  SELECT id, body, revision FROM offerings WHERE organization = $1 AND offering_id = $2)sql";
constexpr char kFindOfferingForUpdate[] = R"sql(
  SELECT id, body, revision FROM offerings WHERE organization = $1 AND offering_id = $2
  FOR UPDATE)sql";
constexpr char kUpdateOffering[] = R"sql(
  UPDATE offerings SET target_segment = $3, revision = $4, body = $5::jsonb,
                       update_time = $6::timestamptz
  WHERE organization = $1 AND offering_id = $2)sql";
constexpr char kDeleteOffering[] = R"sql(
  DELETE FROM offerings WHERE organization = $1 AND offering_id = $2)sql";
// The List statements: the columns, then the filters the query has (db::FilteredStatement).
constexpr char kListOfferings[] = R"sql(
  SELECT id, body, revision FROM offerings WHERE organization = $?)sql";

constexpr char kInsertDecision[] = R"sql(
  INSERT INTO decisions (organization, offering_id, decision_id, uid, state, owning_function,
                         version, body, create_time, update_time)
  VALUES ($1, $2, $3, $4::uuid, $5, $6, $7, $8::jsonb, $9::timestamptz, $10::timestamptz)
  ON CONFLICT (organization, offering_id, decision_id) DO NOTHING
  RETURNING id)sql";
constexpr char kFindDecision[] = R"sql(
  SELECT id, body, version FROM decisions
  WHERE organization = $1 AND offering_id = $2 AND decision_id = $3)sql";
constexpr char kFindDecisionForUpdate[] = R"sql(
  SELECT id, body, version FROM decisions
  WHERE organization = $1 AND offering_id = $2 AND decision_id = $3 FOR UPDATE)sql";
constexpr char kUpdateDecision[] = R"sql(
  UPDATE decisions SET state = $4, owning_function = $5, version = $6, body = $7::jsonb,
                       update_time = $8::timestamptz
  WHERE organization = $1 AND offering_id = $2 AND decision_id = $3)sql";
constexpr char kDeleteDecision[] = R"sql(
  DELETE FROM decisions WHERE organization = $1 AND offering_id = $2 AND decision_id = $3)sql";
constexpr char kListDecisions[] = R"sql(
  SELECT id, body, version FROM decisions WHERE organization = $?)sql";
constexpr char kLockDecisionsOfOffering[] = R"sql(
  SELECT id, body, version FROM decisions WHERE organization = $1 AND offering_id = $2
  ORDER BY id FOR UPDATE)sql";

template <typename Resource>
std::vector<Stored<Resource>> ReadAll(const pqxx::result& rows) {
  std::vector<Stored<Resource>> stored(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    stored[i].key = rows[i][0].as<int64_t>();
    FromJson(rows[i][1], &stored[i].resource);
    stored[i].version = rows[i][2].as<int64_t>();
  }
  return stored;
}

template <typename Resource>
std::optional<Stored<Resource>> ReadOne(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return ReadAll<Resource>(rows).front();
}

}  // namespace

bool OfferingStore::InsertOffering(pqxx::work& tx, const std::string& organization,
                                   const std::string& offering_id, const v1::Offering& offering) {
  return !tx.exec_params(kInsertOffering, organization, offering_id, offering.uid(),
                         offering.target_segment(), offering.revision(), ToJson(offering),
                         ToSqlTime(offering.create_time()), ToSqlTime(offering.update_time()))
              .empty();
}

std::optional<Stored<v1::Offering>> OfferingStore::FindOffering(pqxx::transaction_base& tx,
                                                                const std::string& organization,
                                                                const std::string& offering_id,
                                                                bool for_update) {
  return ReadOne<v1::Offering>(tx.exec_params(for_update ? kFindOfferingForUpdate : kFindOffering,
                                              organization, offering_id));
}

void OfferingStore::UpdateOffering(pqxx::work& tx, const std::string& organization,
                                   const std::string& offering_id, const v1::Offering& offering) {
  tx.exec_params0(kUpdateOffering, organization, offering_id, offering.target_segment(),
                  offering.revision(), ToJson(offering), ToSqlTime(offering.update_time()));
}

void OfferingStore::DeleteOffering(pqxx::work& tx, const std::string& organization,
                                   const std::string& offering_id) {
  tx.exec_params0(kDeleteOffering, organization, offering_id);
}

std::vector<Stored<v1::Offering>> OfferingStore::ListOfferings(pqxx::transaction_base& tx,
                                                               const std::string& organization,
                                                               const std::string& target_segment,
                                                               int64_t after_key, int limit) {
  db::FilteredStatement statement("list_offerings");
  statement.Add(kListOfferings, organization)
      .Add(" AND id > $?", absl::StrCat(after_key))
      .AddIf(!target_segment.empty(), " AND target_segment = $?", target_segment)
      .Add(" ORDER BY id LIMIT $?", absl::StrCat(limit));
  return ReadAll<v1::Offering>(statement.Exec(tx));
}

bool OfferingStore::InsertDecision(pqxx::work& tx, const std::string& organization,
                                   const std::string& offering_id, const std::string& decision_id,
                                   int64_t version, const v1::Decision& decision) {
  return !tx.exec_params(kInsertDecision, organization, offering_id, decision_id, decision.uid(),
                         v1::Decision::State_Name(decision.state()), decision.owning_function(),
                         version, ToJson(decision), ToSqlTime(decision.create_time()),
                         ToSqlTime(decision.update_time()))
              .empty();
}

std::optional<Stored<v1::Decision>> OfferingStore::FindDecision(pqxx::transaction_base& tx,
                                                                const std::string& organization,
                                                                const std::string& offering_id,
                                                                const std::string& decision_id,
                                                                bool for_update) {
  return ReadOne<v1::Decision>(tx.exec_params(for_update ? kFindDecisionForUpdate : kFindDecision,
                                              organization, offering_id, decision_id));
}

void OfferingStore::UpdateDecision(pqxx::work& tx, const std::string& organization,
                                   const std::string& offering_id, const std::string& decision_id,
                                   int64_t version, const v1::Decision& decision) {
  tx.exec_params0(kUpdateDecision, organization, offering_id, decision_id,
                  v1::Decision::State_Name(decision.state()), decision.owning_function(), version,
                  ToJson(decision), ToSqlTime(decision.update_time()));
}

void OfferingStore::DeleteDecision(pqxx::work& tx, const std::string& organization,
                                   const std::string& offering_id, const std::string& decision_id) {
  tx.exec_params0(kDeleteDecision, organization, offering_id, decision_id);
}

std::vector<Stored<v1::Decision>> OfferingStore::ListDecisions(pqxx::transaction_base& tx,
                                                               const DecisionQuery& query) {
  db::FilteredStatement statement("list_decisions");
  statement.Add(kListDecisions, query.organization)
      .AddIf(!query.offering_id.empty(), " AND offering_id = $?", query.offering_id)
      .Add(" AND id > $?", absl::StrCat(query.after_key))
      .AddIf(!query.state.empty(), " AND state = $?", query.state)
      .AddIf(!query.owning_function.empty(), " AND owning_function = $?", query.owning_function)
      .AddIf(!query.target_segment.empty(),
             " AND offering_id IN (SELECT offering_id FROM offerings"
             " WHERE organization = $1 AND target_segment = $?)",  // $1: the organization
             query.target_segment)
      .Add(" ORDER BY id LIMIT $?", absl::StrCat(query.limit));
  return ReadAll<v1::Decision>(statement.Exec(tx));
}

std::vector<Stored<v1::Decision>> OfferingStore::LockDecisionsOfOffering(
    pqxx::work& tx, const std::string& organization, const std::string& offering_id) {
  return ReadAll<v1::Decision>(tx.exec_params(kLockDecisionsOfOffering, organization, offering_id));
}

}  // namespace throughline::offering
