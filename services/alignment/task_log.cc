#include "services/alignment/task_log.h"

#include "absl/random/random.h"
#include "libs/api/changes.h"
#include "libs/api/resource_name.h"
#include "libs/eventlog/payloads.h"
#include "throughline/alignment/v1/events.pb.h"

namespace throughline::alignment {

std::string OwnerAudience(const std::string& owner) { return "owner:" + owner; }

std::string FunctionAudience(const std::string& function_id) { return "function:" + function_id; }

std::vector<std::string> TaskAudience(const v1::Task& task) {
  std::vector<std::string> audience = {FunctionAudience(api::IdOf(task.function()))};
  if (!task.owner().empty()) audience.push_back(OwnerAudience(task.owner()));
  if (!task.escalated_to().empty() && task.escalated_to() != task.owner()) {
    audience.push_back(OwnerAudience(task.escalated_to()));
  }
  return audience;
}

eventlog::EventLog::PendingEvent TaskEvent(const eventlog::EventLog& log,
                                           const std::string& organization, const v1::Task* before,
                                           const v1::Task& after, int64_t version, absl::Time now,
                                           const std::vector<std::string>& touched) {
  thread_local absl::BitGen random;
  if (before == nullptr) {
    return log.Draft(organization, kTaskCreated, after.name(), 1,
                     eventlog::CreatedPayload<v1::TaskEventData>(after), now, random,
                     TaskAudience(after));
  }
  return log.Draft(
      organization, kTaskChanged, after.name(), version,
      eventlog::ChangedPayload<v1::TaskEventData>(
          *before, after,
          api::ChangedPaths(*before, after, touched.empty() ? api::AllPaths(after) : touched)),
      now, random, TaskAudience(after));
}

void PublishTask(const eventlog::EventLog& log, pqxx::work& tx, const std::string& organization,
                 const v1::Task* before, const v1::Task& after, int64_t version, absl::Time now) {
  log.AppendAll(tx, {TaskEvent(log, organization, before, after, version, now)});
}

}  // namespace throughline::alignment
