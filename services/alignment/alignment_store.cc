#include "services/alignment/alignment_store.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "libs/api/etag.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"
#include "libs/api/uuid.h"
#include "libs/db/prepared.h"
#include "libs/db/proto_json.h"
#include "libs/db/sql_array.h"
#include "services/alignment/functions.h"

namespace throughline::alignment {
namespace {

using db::FromJson;
using db::ToJson;
using db::ToSqlTime;

// The statements of the event and fan-out paths are prepared (db::PreparedStatement: planned
// once per connection). ListTasks, with its optional filters, is one prepared statement per
// combination of filters (db::FilteredStatement); the rarer statements with `$3 = '' OR …`
// terms (OpenTasks) are planned on every call.
constexpr char kInsertFunction[] = R"sql(
  INSERT INTO functions (organization, function_id, uid, version, body, create_time,
                         update_time)
  VALUES ($1, $2, $3::uuid, 1, $4::jsonb, $5::timestamptz, $5::timestamptz)
  ON CONFLICT (organization, function_id) DO NOTHING
  RETURNING id)sql";
constexpr char kMissingFunctions[] = R"sql(
  SELECT wanted.id FROM unnest($2::text[]) AS wanted(id)
  WHERE NOT EXISTS (SELECT 1 FROM functions
                    WHERE organization = $1 AND function_id = wanted.id))sql";
constexpr char kFindFunction[] = R"sql(
  SELECT id, body, version FROM functions WHERE organization = $1 AND function_id = $2)sql";
constexpr char kFindFunctionForUpdate[] = R"sql(
  SELECT id, body, version FROM functions WHERE organization = $1 AND function_id = $2
  FOR UPDATE)sql";
constexpr char kUpdateFunction[] = R"sql(
  UPDATE functions SET version = $3, body = $4::jsonb, update_time = $5::timestamptz
  WHERE organization = $1 AND function_id = $2)sql";
constexpr char kDeleteFunction[] = R"sql(
  DELETE FROM functions WHERE organization = $1 AND function_id = $2)sql";
constexpr db::PreparedStatement kListFunctions{"list_functions", R"sql(
  SELECT id, body, version FROM functions WHERE organization = $1 AND id > $2
  ORDER BY id LIMIT $3)sql"};

constexpr char kInsertCommitment[] = R"sql(
  INSERT INTO commitments (organization, offering, function_id, uid, version, body,
                           create_time, update_time)
  VALUES ($1, $2, $3, $4::uuid, 1, $5::jsonb, $6::timestamptz, $6::timestamptz)
  ON CONFLICT (organization, offering, function_id) DO NOTHING
  RETURNING id)sql";
constexpr char kFindCommitment[] = R"sql(
  SELECT id, body, version FROM commitments
  WHERE organization = $1 AND offering = $2 AND function_id = $3)sql";
constexpr char kFindCommitmentForUpdate[] = R"sql(
  SELECT id, body, version FROM commitments
  WHERE organization = $1 AND offering = $2 AND function_id = $3 FOR UPDATE)sql";
constexpr char kUpdateCommitment[] = R"sql(
  UPDATE commitments SET version = $4, body = $5::jsonb, update_time = $6::timestamptz
  WHERE organization = $1 AND offering = $2 AND function_id = $3)sql";
constexpr char kListCommitments[] = R"sql(
  SELECT id, body, version FROM commitments
  WHERE organization = $1 AND offering = $2 AND id > $3 ORDER BY id LIMIT $4)sql";

// Task rows are read as (id, body, version, body_pb): tasks are stored as serialized protobuf
// (body_pb, migration 0002); `body` is the JSON of rows written before, selected only for them.
// One row per element of the arrays $2..$18 (see db::ArrayLiteral; the bodies come as one
// binary parameter, db::BinaryColumn): a fan-out inserts its hundreds of tasks in one
// statement. RETURNING names the tasks that did not exist yet.
constexpr db::PreparedStatement kInsertTasks{"insert_tasks", R"sql(
  INSERT INTO tasks (organization, task_id, uid, offering, function_id, owner, state, segment,
                     segment_revision, trigger_source, trigger_event_id, trigger_subject,
                     trigger_revision, due_time, version, body_pb, create_time, update_time)
  SELECT $1, task_id, uid::uuid, offering, function_id, owner, state, segment,
         segment_revision, trigger_source, trigger_event_id, trigger_subject, trigger_revision,
         due_time, 1, substring($15::bytea FROM start FOR length), create_time, create_time
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
              $8::text[], $9::bigint[], $10::text[], $11::text[], $12::text[], $13::bigint[],
              $14::timestamptz[], $16::int[], $17::int[], $18::timestamptz[])
       AS t(task_id, uid, offering, function_id, owner, state, segment, segment_revision,
            trigger_source, trigger_event_id, trigger_subject, trigger_revision, due_time,
            start, length, create_time)
  ON CONFLICT (organization, offering, function_id, trigger_source, trigger_event_id)
  DO NOTHING
  RETURNING task_id)sql"};
constexpr char kFindTask[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, version, body_pb FROM tasks
  WHERE organization = $1 AND task_id = $2)sql";
constexpr char kFindTaskForUpdate[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, version, body_pb FROM tasks
  WHERE organization = $1 AND task_id = $2
  FOR UPDATE)sql";
// One row per element of the arrays, the organization repeated in $1 so that it is a join
// condition like the task id and not a filter of its own: PostgreSQL then either probes the
// unique (organization, task_id) index once per task or, for a small table, reads the table,
// and it knows a table's size even before the first ANALYZE. With `tasks.organization = $1`
// it could scan the organization's tasks and pick that plan from the organization's row
// estimate, which is a guess until ANALYZE and stale as the organization grows: the fan-out
// benchmark's supersessions of 500 tasks read 2,500-3,500 rows that way, more with every round
// (BENCHMARKS.md, step 18).
// Planned on every call, not prepared: which of those plans is best depends on the table's
// size, and a prepared statement's generic plan, made once for the table as it was then, read
// every task on every change after the table had grown (step 25).
constexpr char kUpdateTasks[] = R"sql(
  UPDATE tasks SET owner = u.owner, state = u.state, escalated = u.escalated,
                   escalated_to = u.escalated_to, version = u.version, body = NULL,
                   body_pb = substring($8::bytea FROM u.start FOR u.length),
                   update_time = u.update_time
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[],
              $7::bigint[], $9::int[], $10::int[], $11::timestamptz[])
       AS u(organization, task_id, owner, state, escalated, escalated_to, version, start, length,
            update_time)
  WHERE tasks.organization = u.organization AND tasks.task_id = u.task_id)sql";
constexpr db::PreparedStatement kLockUnresolvedTasks{"lock_unresolved_tasks", R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, version, body_pb FROM tasks
  WHERE organization = $1 AND offering = ANY($2::text[]) AND function_id = ANY($3::text[])
    AND state IN ('OPEN', 'ACKNOWLEDGED')
  ORDER BY id FOR UPDATE)sql"};
// Two int4 keys: a key space apart from the subscriptions' single-key session locks. The
// locks are taken in the order of the array.
constexpr db::PreparedStatement kLockOfferingTasks{"lock_offering_tasks", R"sql(
  SELECT pg_advisory_xact_lock(hashtext('throughline:offering-tasks'), hashtext(offering))
  FROM unnest($1::text[]) AS offering)sql"};
// ListTasks: the columns, then the filters the query has (db::FilteredStatement).
constexpr char kListTasks[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, version, body_pb FROM tasks
  WHERE organization = $?)sql";
constexpr char kOpenTasks[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, version, body_pb FROM tasks
  WHERE organization = $1
    AND ($2 = '' OR owner = $2 OR (escalated AND escalated_to = $2))
    AND ($3 = '' OR function_id = $3)
    AND state IN ('OPEN', 'ACKNOWLEDGED')
  ORDER BY id)sql";
constexpr char kLatestTasks[] = R"sql(
  SELECT DISTINCT ON (function_id) id, CASE WHEN body_pb IS NULL THEN body END, version, body_pb
  FROM tasks
  WHERE organization = $1 AND offering = $2
  ORDER BY function_id, id DESC)sql";
constexpr char kLockOverdueTasks[] = R"sql(
  SELECT id, CASE WHEN body_pb IS NULL THEN body END, version, body_pb FROM tasks
  WHERE due_time < $1::timestamptz AND state IN ('OPEN', 'ACKNOWLEDGED') AND NOT escalated
  ORDER BY due_time LIMIT $2 FOR UPDATE SKIP LOCKED)sql";

constexpr db::PreparedStatement kProcessed{"processed", R"sql(
  SELECT 1 FROM inbox WHERE source = $1 AND event_id = $2)sql"};
constexpr db::PreparedStatement kClaimEvents{"claim_events", R"sql(
  INSERT INTO inbox (source, event_id)
  SELECT source, event_id FROM unnest($1::text[], $2::text[]) AS e(source, event_id)
  ON CONFLICT DO NOTHING RETURNING source, event_id)sql"};
constexpr db::PreparedStatement kCursor{"read_cursor", R"sql(
  SELECT cursor FROM subscription_cursors WHERE subscription = $1)sql"};
constexpr db::PreparedStatement kSetCursor{"set_cursor", R"sql(
  INSERT INTO subscription_cursors (subscription, cursor) VALUES ($1, $2)
  ON CONFLICT (subscription) DO UPDATE SET cursor = $2, update_time = now())sql"};

template <typename Resource>
std::vector<Stored<Resource>> ReadAll(const pqxx::result& rows) {
  std::vector<Stored<Resource>> stored(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    stored[i].key = rows[i][0].as<int64_t>();
    if (rows.columns() > 3) {
      db::FromStored(rows[i][1], rows[i][3], &stored[i].resource);
    } else {
      FromJson(rows[i][1], &stored[i].resource);
    }
    stored[i].version = rows[i][2].as<int64_t>();
  }
  return stored;
}

template <typename Resource>
std::optional<Stored<Resource>> ReadOne(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return ReadAll<Resource>(rows).front();
}

using api::IdOf;

}  // namespace

void AlignmentStore::EnsureDefaultFunctions(pqxx::work& tx, const std::string& organization,
                                            absl::Time now) {
  // One round trip when they exist, which is every time but the first.
  std::vector<std::string> ids;
  for (const auto& defaults : DefaultFunctions()) ids.push_back(defaults.id);
  std::set<std::string> missing;
  for (const auto& row : tx.exec_params(kMissingFunctions, organization, db::TextArray(ids))) {
    missing.insert(row[0].as<std::string>());
  }
  thread_local absl::BitGen random;
  for (const auto& defaults : DefaultFunctions()) {
    if (!missing.contains(defaults.id)) continue;
    v1::Function function;
    function.set_name(absl::StrCat("organizations/", organization, "/functions/", defaults.id));
    function.set_uid(api::NewUuid(random));
    function.set_display_name(defaults.display_name);
    for (auto area : defaults.areas) function.add_areas(area);
    *function.mutable_create_time() = api::ToTimestamp(now);
    *function.mutable_update_time() = api::ToTimestamp(now);
    function.set_etag(api::MakeEtag(function.uid(), 1));
    InsertFunction(tx, organization, defaults.id, function);
  }
}

std::vector<v1::Function> AlignmentStore::AllFunctions(pqxx::work& tx,
                                                       const std::string& organization,
                                                       absl::Time now) {
  constexpr int kMaxFunctions = 10'000;
  auto read = [&] {
    std::vector<v1::Function> functions;
    for (auto& stored : ListFunctions(tx, organization, 0, kMaxFunctions)) {
      functions.push_back(std::move(stored.resource));
    }
    return functions;
  };
  std::vector<v1::Function> functions = read();
  std::set<std::string> ids;
  for (const auto& function : functions) {
    ids.insert(IdOf(function.name()));
  }
  for (const auto& defaults : DefaultFunctions()) {
    if (ids.contains(defaults.id)) continue;
    EnsureDefaultFunctions(tx, organization, now);
    return read();
  }
  return functions;
}

bool AlignmentStore::InsertFunction(pqxx::work& tx, const std::string& organization,
                                    const std::string& function_id, const v1::Function& function) {
  return !tx.exec_params(kInsertFunction, organization, function_id, function.uid(),
                         ToJson(function), ToSqlTime(function.create_time()))
              .empty();
}

std::optional<Stored<v1::Function>> AlignmentStore::FindFunction(pqxx::transaction_base& tx,
                                                                 const std::string& organization,
                                                                 const std::string& function_id,
                                                                 bool for_update) {
  return ReadOne<v1::Function>(tx.exec_params(for_update ? kFindFunctionForUpdate : kFindFunction,
                                              organization, function_id));
}

void AlignmentStore::UpdateFunction(pqxx::work& tx, const std::string& organization,
                                    const std::string& function_id, int64_t version,
                                    const v1::Function& function) {
  tx.exec_params0(kUpdateFunction, organization, function_id, version, ToJson(function),
                  ToSqlTime(function.update_time()));
}

void AlignmentStore::DeleteFunction(pqxx::work& tx, const std::string& organization,
                                    const std::string& function_id) {
  tx.exec_params0(kDeleteFunction, organization, function_id);
}

std::vector<Stored<v1::Function>> AlignmentStore::ListFunctions(pqxx::transaction_base& tx,
                                                                const std::string& organization,
                                                                int64_t after_key, int limit) {
  return ReadAll<v1::Function>(
      db::ExecPrepared(tx, kListFunctions, organization, after_key, limit));
}

bool AlignmentStore::InsertCommitment(pqxx::work& tx, const std::string& organization,
                                      const std::string& offering, const std::string& function_id,
                                      const v1::Commitment& commitment) {
  return !tx.exec_params(kInsertCommitment, organization, offering, function_id, commitment.uid(),
                         ToJson(commitment), ToSqlTime(commitment.create_time()))
              .empty();
}

std::optional<Stored<v1::Commitment>> AlignmentStore::FindCommitment(
    pqxx::transaction_base& tx, const std::string& organization, const std::string& offering,
    const std::string& function_id, bool for_update) {
  return ReadOne<v1::Commitment>(
      tx.exec_params(for_update ? kFindCommitmentForUpdate : kFindCommitment, organization,
                     offering, function_id));
}

void AlignmentStore::UpdateCommitment(pqxx::work& tx, const std::string& organization,
                                      const std::string& offering, const std::string& function_id,
                                      int64_t version, const v1::Commitment& commitment) {
  tx.exec_params0(kUpdateCommitment, organization, offering, function_id, version,
                  ToJson(commitment), ToSqlTime(commitment.update_time()));
}

std::vector<Stored<v1::Commitment>> AlignmentStore::ListCommitments(pqxx::transaction_base& tx,
                                                                    const std::string& organization,
                                                                    const std::string& offering,
                                                                    int64_t after_key, int limit) {
  return ReadAll<v1::Commitment>(
      tx.exec_params(kListCommitments, organization, offering, after_key, limit));
}

void AlignmentStore::TaskInserts::Add(const TaskWrite& write) {
  const v1::Task& task = *write.task;
  ids_.AddText(write.task_id);
  uids_.AddText(task.uid());
  offerings_.AddText(task.offering());
  function_ids_.AddText(IdOf(task.function()));
  owners_.AddText(task.owner());
  states_.AddText(v1::Task::State_Name(task.state()));
  segments_.AddText(task.segment());
  revisions_.AddInt(task.segment_revision());
  sources_.AddText(task.trigger().event_source());
  event_ids_.AddText(task.trigger().event_id());
  subjects_.AddText(task.trigger().subject());
  trigger_revisions_.AddInt(task.trigger().revision());
  due_times_.AddText(ToSqlTime(task.due_time()));
  bodies_.Add(task.SerializeAsString());
  create_times_.AddText(ToSqlTime(task.create_time()));
}

std::set<std::string> AlignmentStore::InsertTasks(pqxx::work& tx, const std::string& organization,
                                                  const std::vector<TaskWrite>& tasks) {
  TaskInserts inserts(organization);
  for (const TaskWrite& write : tasks) inserts.Add(write);
  return InsertTasks(tx, inserts);
}

std::set<std::string> AlignmentStore::InsertTasks(pqxx::work& tx, const TaskInserts& tasks) {
  if (tasks.ids_.size() == 0) return {};
  std::set<std::string> inserted;
  for (const auto& row : db::ExecPrepared(
           tx, kInsertTasks, tasks.organization_, tasks.ids_.str(), tasks.uids_.str(),
           tasks.offerings_.str(), tasks.function_ids_.str(), tasks.owners_.str(),
           tasks.states_.str(), tasks.segments_.str(), tasks.revisions_.str(), tasks.sources_.str(),
           tasks.event_ids_.str(), tasks.subjects_.str(), tasks.trigger_revisions_.str(),
           tasks.due_times_.str(), tasks.bodies_.blob(), tasks.bodies_.starts(),
           tasks.bodies_.lengths(), tasks.create_times_.str())) {
    inserted.insert(row[0].as<std::string>());
  }
  return inserted;
}

std::optional<Stored<v1::Task>> AlignmentStore::FindTask(pqxx::transaction_base& tx,
                                                         const std::string& organization,
                                                         const std::string& task_id,
                                                         bool for_update) {
  return ReadOne<v1::Task>(
      tx.exec_params(for_update ? kFindTaskForUpdate : kFindTask, organization, task_id));
}

void AlignmentStore::TaskUpdates::Add(const TaskWrite& write) {
  const v1::Task& task = *write.task;
  organizations_.AddText(organization_);
  ids_.AddText(write.task_id);
  owners_.AddText(task.owner());
  states_.AddText(v1::Task::State_Name(task.state()));
  escalated_.AddBool(task.escalated());
  escalated_to_.AddText(task.escalated_to());
  versions_.AddInt(write.version);
  bodies_.Add(task.SerializeAsString());
  update_times_.AddText(ToSqlTime(task.update_time()));
}

void AlignmentStore::UpdateTasks(pqxx::work& tx, const std::string& organization,
                                 const std::vector<TaskWrite>& tasks) {
  TaskUpdates updates(organization);
  for (const TaskWrite& write : tasks) updates.Add(write);
  UpdateTasks(tx, updates);
}

void AlignmentStore::UpdateTasks(pqxx::work& tx, const TaskUpdates& tasks) {
  if (tasks.ids_.size() == 0) return;
  tx.exec_params(kUpdateTasks, tasks.organizations_.str(), tasks.ids_.str(),
                 tasks.owners_.str(), tasks.states_.str(), tasks.escalated_.str(),
                 tasks.escalated_to_.str(), tasks.versions_.str(), tasks.bodies_.blob(),
                 tasks.bodies_.starts(), tasks.bodies_.lengths(), tasks.update_times_.str());
}

void AlignmentStore::UpdateTask(pqxx::work& tx, const std::string& organization,
                                const std::string& task_id, int64_t version, const v1::Task& task) {
  UpdateTasks(tx, organization, {{task_id, version, &task}});
}

pqxx::result AlignmentStore::LockUnresolvedTasks(pqxx::work& tx, const std::string& organization,
                                                 const std::vector<std::string>& offerings,
                                                 const std::vector<std::string>& function_ids) {
  return db::ExecPrepared(tx, kLockUnresolvedTasks, organization, db::TextArray(offerings),
                          db::TextArray(function_ids));
}

std::vector<Stored<v1::Task>> AlignmentStore::ReadTasks(const pqxx::result& rows) {
  return ReadAll<v1::Task>(rows);
}

void AlignmentStore::LockOfferingTasks(pqxx::work& tx, const std::set<std::string>& offerings) {
  db::ExecPrepared(tx, kLockOfferingTasks,
                   db::TextArray(std::vector<std::string>(offerings.begin(), offerings.end())));
}

std::vector<Stored<v1::Task>> AlignmentStore::ListTasks(pqxx::transaction_base& tx,
                                                        const TaskQuery& query) {
  db::FilteredStatement statement("list_tasks");
  statement.Add(kListTasks, query.organization)
      .AddIf(query.before_key != 0, " AND id < $?", absl::StrCat(query.before_key))
      .AddIf(!query.owner.empty(), " AND owner = $?", query.owner)
      .AddIf(!query.function_id.empty(), " AND function_id = $?", query.function_id)
      .AddIf(!query.offering.empty(), " AND offering = $?", query.offering)
      .AddIf(!query.state.empty(), " AND state = $?", query.state)
      .Add(" ORDER BY id DESC LIMIT $?", absl::StrCat(query.limit));
  return ReadAll<v1::Task>(statement.Exec(tx));
}

std::vector<Stored<v1::Task>> AlignmentStore::OpenTasks(pqxx::transaction_base& tx,
                                                        const std::string& organization,
                                                        const std::string& owner,
                                                        const std::string& function_id) {
  return ReadAll<v1::Task>(tx.exec_params(kOpenTasks, organization, owner, function_id));
}

std::vector<Stored<v1::Task>> AlignmentStore::LatestTasks(pqxx::transaction_base& tx,
                                                          const std::string& organization,
                                                          const std::string& offering) {
  return ReadAll<v1::Task>(tx.exec_params(kLatestTasks, organization, offering));
}

std::vector<Stored<v1::Task>> AlignmentStore::LockOverdueTasks(pqxx::work& tx, absl::Time now,
                                                               int limit) {
  return ReadAll<v1::Task>(
      tx.exec_params(kLockOverdueTasks, ToSqlTime(api::ToTimestamp(now)), limit));
}

bool AlignmentStore::Processed(pqxx::transaction_base& tx, const std::string& source,
                               const std::string& event_id) {
  return !db::ExecPrepared(tx, kProcessed, source, event_id).empty();
}

std::vector<bool> AlignmentStore::ClaimEvents(
    pqxx::work& tx, const std::vector<std::pair<std::string, std::string>>& events) {
  db::ArrayLiteral sources, ids;
  for (const auto& [source, id] : events) {
    sources.AddText(source);
    ids.AddText(id);
  }
  std::set<std::pair<std::string, std::string>> claimed;
  for (const auto& row : db::ExecPrepared(tx, kClaimEvents, sources.str(), ids.str())) {
    claimed.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  std::vector<bool> first;
  for (const auto& event : events) first.push_back(claimed.erase(event) > 0);  // once each
  return first;
}

std::string AlignmentStore::Cursor(pqxx::transaction_base& tx, const std::string& subscription) {
  const pqxx::result rows = db::ExecPrepared(tx, kCursor, subscription);
  return rows.empty() ? "" : rows[0][0].as<std::string>();
}

void AlignmentStore::SetCursor(pqxx::work& tx, const std::string& subscription,
                               const std::string& cursor) {
  db::ExecPrepared(tx, kSetCursor, subscription, cursor);
}

}  // namespace throughline::alignment
