#include "services/alignment/escalator.h"

#include "libs/api/etag.h"
#include "libs/api/resources.h"
#include "libs/db/transaction.h"
#include "libs/log/log.h"
#include "services/alignment/alignment_store.h"
#include "services/alignment/task_log.h"

namespace throughline::alignment {
namespace {

constexpr int kBatch = 100;

std::string NamePart(const std::string& name, int index_from_end) {
  // organizations/{organization}/tasks/{task} and .../functions/{function}
  size_t end = name.size();
  for (int i = 0; i < index_from_end; ++i) end = name.rfind('/', end - 1);
  const size_t start = name.rfind('/', end - 1) + 1;
  return name.substr(start, end - start);
}

}  // namespace

Escalator::Escalator(db::ConnectionPool& pool, const eventlog::EventLog& task_log, Clock clock,
                     absl::Duration interval)
    : pool_(pool), task_log_(task_log), clock_(std::move(clock)), interval_(interval) {}

Escalator::~Escalator() { Stop(); }

void Escalator::Start() {
  thread_ = std::thread([this] {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
      }
      auto escalated = EscalateOverdue();
      if (!escalated.ok()) {
        log::Warning("escalation sweep failed", {{"error", escalated.status().ToString()}});
      } else if (*escalated > 0) {
        log::Info("overdue tasks escalated", {{"tasks", *escalated}});
      }
    }
  });
}

void Escalator::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int> Escalator::EscalateOverdue() {
  int escalated = 0;
  absl::Status status =
      db::RunTransaction(pool_, absl::Now() + absl::Seconds(30), [&](pqxx::work& tx) {
        escalated = 0;
        const absl::Time now = clock_();
        for (auto& stored : AlignmentStore::LockOverdueTasks(tx, now, kBatch)) {
          const v1::Task& before = stored.resource;
          const std::string organization = NamePart(before.name(), 2);
          const auto function = AlignmentStore::FindFunction(
              tx, organization, NamePart(before.function(), 0), /*for_update=*/false);
          v1::Task after = before;
          after.set_escalated(true);
          after.set_escalated_to(function ? function->resource.escalation_owner() : "");
          *after.mutable_update_time() = api::ToTimestamp(now);
          after.set_etag(api::MakeEtag(after.uid(), stored.version + 1));
          AlignmentStore::UpdateTask(tx, organization, NamePart(before.name(), 0),
                                     stored.version + 1, after);
          PublishTask(task_log_, tx, organization, &before, after, stored.version + 1, now);
          ++escalated;
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return escalated;
}

}  // namespace throughline::alignment
