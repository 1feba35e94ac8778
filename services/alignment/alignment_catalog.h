#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "libs/db/list_reads.h"
#include "libs/eventlog/event_log.h"
#include "libs/server/call.h"
#include "services/alignment/event_processor.h"
#include "services/alignment/suite_client.h"
#include "throughline/alignment/v1/alignment_service.pb.h"

namespace throughline::alignment {

// A validated WatchTasks request: where to start in the task log, for whom, and the open
// backlog to send first.
struct TaskWatch {
  std::string organization;
  std::string cursor;
  eventlog::EventFilter filter;
  std::vector<v1::WatchTasksResponse> backlog;
};

// Functions, commitments, tasks, alignment status and previews.
class AlignmentCatalog {
 public:
  using Clock = std::function<absl::Time()>;

  // List calls read through `list_reads` (a read replica when there is one); the rest from
  // `pool`.
  AlignmentCatalog(db::ConnectionPool& pool, db::ListReads& list_reads,
                   const eventlog::EventLog& task_log, const SuiteClient& suite,
                   const EventProcessor& processor, Clock clock);

  absl::Status CreateFunction(const server::CallContext& call,
                              const v1::CreateFunctionRequest& request, v1::Function* function);
  absl::Status GetFunction(const server::CallContext& call, const v1::GetFunctionRequest& request,
                           v1::Function* function);
  absl::Status ListFunctions(const server::CallContext& call,
                             const v1::ListFunctionsRequest& request,
                             v1::ListFunctionsResponse* response);
  absl::Status UpdateFunction(const server::CallContext& call,
                              const v1::UpdateFunctionRequest& request, v1::Function* function);
  absl::Status DeleteFunction(const server::CallContext& call,
                              const v1::DeleteFunctionRequest& request);

  absl::Status CreateCommitment(const server::CallContext& call,
                                const v1::CreateCommitmentRequest& request,
                                v1::Commitment* commitment);
  absl::Status GetCommitment(const server::CallContext& call,
                             const v1::GetCommitmentRequest& request, v1::Commitment* commitment);
  absl::Status ListCommitments(const server::CallContext& call,
                               const v1::ListCommitmentsRequest& request,
                               v1::ListCommitmentsResponse* response);
  absl::Status UpdateCommitment(const server::CallContext& call,
                                const v1::UpdateCommitmentRequest& request,
                                v1::Commitment* commitment);
  absl::Status ConfirmCommitment(const server::CallContext& call,
                                 const v1::ConfirmCommitmentRequest& request,
                                 v1::Commitment* commitment);

  absl::Status GetTask(const server::CallContext& call, const v1::GetTaskRequest& request,
                       v1::Task* task);
  absl::Status ListTasks(const server::CallContext& call, const v1::ListTasksRequest& request,
                         v1::ListTasksResponse* response);
  absl::Status AcknowledgeTask(const server::CallContext& call,
                               const v1::AcknowledgeTaskRequest& request, v1::Task* task);
  absl::Status ResolveTask(const server::CallContext& call, const v1::ResolveTaskRequest& request,
                           v1::Task* task);
  // Checks a WatchTasks request (no database work): organization, audience, cursor.
  absl::StatusOr<TaskWatch> CheckTaskWatch(const server::CallContext& call,
                                           const v1::WatchTasksRequest& request);
  // For a stream without a cursor: the cursor at a snapshot and the open backlog, read in
  // one transaction.
  absl::Status ReadTaskBacklog(const server::CallContext& call,
                               const v1::WatchTasksRequest& request, TaskWatch& watch);

  absl::Status GetAlignmentStatus(const server::CallContext& call,
                                  const v1::GetAlignmentStatusRequest& request,
                                  v1::AlignmentStatus* status);
  absl::Status PreviewSegmentChange(const server::CallContext& call,
                                    const v1::PreviewSegmentChangeRequest& request,
                                    v1::PreviewSegmentChangeResponse* response);

 private:
  // Moves a task to a new state in one transaction (etag, idempotency, ownership, event).
  absl::Status ChangeTask(const server::CallContext& call, const std::string& name,
                          const std::string& etag, const std::string& request_id,
                          const google::protobuf::Message& request, const std::string& method,
                          const std::function<absl::Status(v1::Task&)>& change, v1::Task* task);

  db::ConnectionPool& pool_;
  db::ListReads& list_reads_;
  const eventlog::EventLog& task_log_;
  const SuiteClient& suite_;
  const EventProcessor& processor_;
  const Clock clock_;
};

}  // namespace throughline::alignment
