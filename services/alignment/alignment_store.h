#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "libs/db/sql_array.h"
#include "pqxx/pqxx"
#include "throughline/alignment/v1/resources.pb.h"

namespace throughline::alignment {

// A stored row: the resource, its pagination key and the version its etag is made from.
template <typename Resource>
struct Stored {
  int64_t key = 0;
  int64_t version = 0;
  Resource resource;
};

struct TaskQuery {
  std::string organization;
  std::string owner;        // empty: any
  std::string function_id;  // empty: any
  std::string offering;     // empty: any
  std::string state;        // enum name; empty: any
  int64_t before_key = 0;   // newest first: keys below this; 0: from the newest
  int limit = 50;
};

// Every SQL statement of the alignment service. All methods run in the caller's transaction.
class AlignmentStore {
 public:
  // Functions. The five defaults are inserted on first use of an organization.
  static void EnsureDefaultFunctions(pqxx::work& tx, const std::string& organization,
                                     absl::Time now);
  static bool InsertFunction(pqxx::work& tx, const std::string& organization,
                             const std::string& function_id, const v1::Function& function);
  static std::optional<Stored<v1::Function>> FindFunction(pqxx::transaction_base& tx,
                                                          const std::string& organization,
                                                          const std::string& function_id,
                                                          bool for_update);
  static void UpdateFunction(pqxx::work& tx, const std::string& organization,
                             const std::string& function_id, int64_t version,
                             const v1::Function& function);
  static void DeleteFunction(pqxx::work& tx, const std::string& organization,
                             const std::string& function_id);
  static std::vector<Stored<v1::Function>> ListFunctions(pqxx::transaction_base& tx,
                                                         const std::string& organization,
                                                         int64_t after_key, int limit);
  // Every function of `organization` (up to 10,000), the defaults among them: one statement
  // when the defaults exist, which is every time but the first.
  static std::vector<v1::Function> AllFunctions(pqxx::work& tx, const std::string& organization,
                                                absl::Time now);

  // Commitments, keyed by offering name and function id.
  static bool InsertCommitment(pqxx::work& tx, const std::string& organization,
                               const std::string& offering, const std::string& function_id,
                               const v1::Commitment& commitment);
  static std::optional<Stored<v1::Commitment>> FindCommitment(pqxx::transaction_base& tx,
                                                              const std::string& organization,
                                                              const std::string& offering,
                                                              const std::string& function_id,
                                                              bool for_update);
  static void UpdateCommitment(pqxx::work& tx, const std::string& organization,
                               const std::string& offering, const std::string& function_id,
                               int64_t version, const v1::Commitment& commitment);
  static std::vector<Stored<v1::Commitment>> ListCommitments(pqxx::transaction_base& tx,
                                                             const std::string& organization,
                                                             const std::string& offering,
                                                             int64_t after_key, int limit);

  // Tasks. Batched statements take a TaskWrite per task: one statement writes them all.
  struct TaskWrite {
    std::string task_id;
    int64_t version = 1;  // after the write
    const v1::Task* task = nullptr;
  };
  // The parameters of one InsertTasks statement, encoded ahead of it: serializing a
  // fan-out's 500 tasks takes milliseconds, which another thread can spend while the
  // transaction runs its other statements (BENCHMARKS.md, step 19).
  class TaskInserts {
   public:
    explicit TaskInserts(std::string organization) : organization_(std::move(organization)) {}
    void Add(const TaskWrite& write);

   private:
    friend class AlignmentStore;
    std::string organization_;
    db::ArrayLiteral ids_, uids_, offerings_, function_ids_, owners_, states_, segments_,
        revisions_, sources_, event_ids_, subjects_, trigger_revisions_, due_times_, create_times_;
    db::BinaryColumn bodies_;
  };
  // The same for UpdateTasks.
  class TaskUpdates {
   public:
    explicit TaskUpdates(std::string organization) : organization_(std::move(organization)) {}
    void Add(const TaskWrite& write);

   private:
    friend class AlignmentStore;
    std::string organization_;
    db::ArrayLiteral organizations_, ids_, owners_, states_, escalated_, escalated_to_, versions_,
        update_times_;
    db::BinaryColumn bodies_;
  };

  // Inserts the tasks that do not exist yet (by offering, function and trigger) and returns
  // the task ids of those it inserted.
  static std::set<std::string> InsertTasks(pqxx::work& tx, const std::string& organization,
                                           const std::vector<TaskWrite>& tasks);
  static std::set<std::string> InsertTasks(pqxx::work& tx, const TaskInserts& tasks);
  static std::optional<Stored<v1::Task>> FindTask(pqxx::transaction_base& tx,
                                                  const std::string& organization,
                                                  const std::string& task_id, bool for_update);
  static void UpdateTasks(pqxx::work& tx, const std::string& organization,
                          const std::vector<TaskWrite>& tasks);
  static void UpdateTasks(pqxx::work& tx, const TaskUpdates& tasks);
  static void UpdateTask(pqxx::work& tx, const std::string& organization,
                         const std::string& task_id, int64_t version, const v1::Task& task);
  // Serializes the creation of tasks for each of `offerings` (offering resource names) until
  // the transaction ends: a second transaction creating tasks for one of them waits, then
  // sees the first one's tasks. The locks are taken in sorted order, so two transactions
  // never wait for each other in a cycle.
  static void LockOfferingTasks(pqxx::work& tx, const std::set<std::string>& offerings);
  // OPEN or ACKNOWLEDGED tasks of any of `offerings` and any of `function_ids`, locked. The
  // rows come unread: ReadTasks reads them, e.g. on another thread while the transaction goes
  // on (a fan-out's 500 tasks take milliseconds to decode and parse).
  static pqxx::result LockUnresolvedTasks(pqxx::work& tx, const std::string& organization,
                                          const std::vector<std::string>& offerings,
                                          const std::vector<std::string>& function_ids);
  static std::vector<Stored<v1::Task>> ReadTasks(const pqxx::result& rows);
  static std::vector<Stored<v1::Task>> ListTasks(pqxx::transaction_base& tx,
                                                 const TaskQuery& query);
  // The OPEN and ACKNOWLEDGED tasks of an owner (its own and those escalated to it, as its
  // WatchTasks stream sends them) or of a function, oldest first.
  static std::vector<Stored<v1::Task>> OpenTasks(pqxx::transaction_base& tx,
                                                 const std::string& organization,
                                                 const std::string& owner,
                                                 const std::string& function_id);
  // The newest task of each function for an offering.
  static std::vector<Stored<v1::Task>> LatestTasks(pqxx::transaction_base& tx,
                                                   const std::string& organization,
                                                   const std::string& offering);
  // Unescalated tasks past their due time, locked (skipping rows other sweepers hold).
  static std::vector<Stored<v1::Task>> LockOverdueTasks(pqxx::work& tx, absl::Time now, int limit);

  // Subscriptions: whether the event (source, event id) was processed before.
  static bool Processed(pqxx::transaction_base& tx, const std::string& source,
                        const std::string& event_id);
  // Records (source, event id) pairs as processed, in one statement. For each,
  // whether this was the first time (false for one processed before, or listed earlier).
  static std::vector<bool> ClaimEvents(
      pqxx::work& tx, const std::vector<std::pair<std::string, std::string>>& events);
  static std::string Cursor(pqxx::transaction_base& tx, const std::string& subscription);
  static void SetCursor(pqxx::work& tx, const std::string& subscription, const std::string& cursor);
};

}  // namespace throughline::alignment
