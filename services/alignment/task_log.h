#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/eventlog/event_log.h"
#include "pqxx/pqxx"
#include "throughline/alignment/v1/resources.pb.h"

namespace throughline::alignment {

inline constexpr char kTaskCreated[] = "throughline.alignment.v1.task_created";
inline constexpr char kTaskChanged[] = "throughline.alignment.v1.task_changed";

// Audience tags of a task's events: its owner, its function and, once escalated, the
// escalation owner. WatchTasks reads the log filtered by one of them.
std::vector<std::string> TaskAudience(const v1::Task& task);
std::string OwnerAudience(const std::string& owner);
std::string FunctionAudience(const std::string& function_id);

// The event of a task change (before unset: created); `version` is the task's version after
// the change. Append it with EventLog::AppendAll, together with the other events of the
// transaction. Its changed paths are the fields of `touched` (every field when empty) that
// differ: a caller that knows which fields its change can touch names them, because
// comparing whole tasks was a third of the drafting of a fan-out's 500 supersessions
// (BENCHMARKS.md, step 19).
eventlog::EventLog::PendingEvent TaskEvent(const eventlog::EventLog& log,
                                           const std::string& organization, const v1::Task* before,
                                           const v1::Task& after, int64_t version, absl::Time now,
                                           const std::vector<std::string>& touched = {});

// Writes the event of one task change in `tx`.
void PublishTask(const eventlog::EventLog& log, pqxx::work& tx, const std::string& organization,
                 const v1::Task* before, const v1::Task& after, int64_t version, absl::Time now);

}  // namespace throughline::alignment
