#pragma once

#include "libs/eventlog/watch_reactor.h"
#include "libs/server/call.h"
#include "libs/server/request_parsing.h"
#include "services/alignment/alignment_catalog.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"

namespace throughline::alignment {

// The gRPC surface of the alignment service: each unary method authenticates, then runs the
// catalog on the worker pool; WatchTasks streams the backlog and then the task log.
class AlignmentService final
    : public server::ParsesItsRequests<v1::AlignmentService::CallbackService> {
 public:
  AlignmentService(AlignmentCatalog& catalog, const server::CallRuntime& runtime,
                   eventlog::WatchDependencies watch);

  grpc::ServerUnaryReactor* CreateFunction(grpc::CallbackServerContext* context,
      const v1::CreateFunctionRequest* request, v1::Function* response) override;
  grpc::ServerUnaryReactor* GetFunction(grpc::CallbackServerContext* context,
      const v1::GetFunctionRequest* request, v1::Function* response) override;
  grpc::ServerUnaryReactor* ListFunctions(grpc::CallbackServerContext* context,
      const v1::ListFunctionsRequest* request, v1::ListFunctionsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateFunction(grpc::CallbackServerContext* context,
      const v1::UpdateFunctionRequest* request, v1::Function* response) override;
  grpc::ServerUnaryReactor* DeleteFunction(grpc::CallbackServerContext* context,
      const v1::DeleteFunctionRequest* request, google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* CreateCommitment(grpc::CallbackServerContext* context,
      const v1::CreateCommitmentRequest* request, v1::Commitment* response) override;
  grpc::ServerUnaryReactor* GetCommitment(grpc::CallbackServerContext* context,
      const v1::GetCommitmentRequest* request, v1::Commitment* response) override;
  grpc::ServerUnaryReactor* ListCommitments(grpc::CallbackServerContext* context,
      const v1::ListCommitmentsRequest* request, v1::ListCommitmentsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCommitment(grpc::CallbackServerContext* context,
      const v1::UpdateCommitmentRequest* request, v1::Commitment* response) override;
  grpc::ServerUnaryReactor* ConfirmCommitment(grpc::CallbackServerContext* context,
      const v1::ConfirmCommitmentRequest* request, v1::Commitment* response) override;
  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* context,
      const v1::GetTaskRequest* request, v1::Task* response) override;
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* context,
      const v1::ListTasksRequest* request, v1::ListTasksResponse* response) override;
  grpc::ServerUnaryReactor* AcknowledgeTask(grpc::CallbackServerContext* context,
      const v1::AcknowledgeTaskRequest* request, v1::Task* response) override;
  grpc::ServerUnaryReactor* ResolveTask(grpc::CallbackServerContext* context,
      const v1::ResolveTaskRequest* request, v1::Task* response) override;
  grpc::ServerUnaryReactor* GetAlignmentStatus(grpc::CallbackServerContext* context,
      const v1::GetAlignmentStatusRequest* request, v1::AlignmentStatus* response) override;
  grpc::ServerUnaryReactor* PreviewSegmentChange(grpc::CallbackServerContext* context,
      const v1::PreviewSegmentChangeRequest* request, v1::PreviewSegmentChangeResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchTasksResponse>* WatchTasks(
      grpc::CallbackServerContext* context, const v1::WatchTasksRequest* request) override;

 private:
  AlignmentCatalog& catalog_;
  const server::CallRuntime& runtime_;
  const eventlog::WatchDependencies watch_;
};

}  // namespace throughline::alignment
