#include "services/alignment/alignment_service.h"

#include "libs/errors/errors.h"
#include "services/alignment/task_log.h"
#include "throughline/alignment/v1/events.pb.h"

namespace throughline::alignment {

using server::CallContext;
using server::ServeUnary;

AlignmentService::AlignmentService(AlignmentCatalog& catalog, const server::CallRuntime& runtime,
                                   eventlog::WatchDependencies watch)
    : catalog_(catalog), runtime_(runtime), watch_(watch) {
  // Every method, in the order of the .proto: requests that do not parse are answered
  // INVALID_ARGUMENT naming the field (libs/server/request_parsing.h).
  ParseRequests(this, v1::AlignmentService::service_full_name(), &AlignmentService::CreateFunction,
                &AlignmentService::GetFunction, &AlignmentService::ListFunctions,
                &AlignmentService::UpdateFunction, &AlignmentService::DeleteFunction,
                &AlignmentService::CreateCommitment, &AlignmentService::GetCommitment,
                &AlignmentService::ListCommitments, &AlignmentService::UpdateCommitment,
                &AlignmentService::ConfirmCommitment, &AlignmentService::GetTask,
                &AlignmentService::ListTasks, &AlignmentService::AcknowledgeTask,
                &AlignmentService::ResolveTask, &AlignmentService::WatchTasks,
                &AlignmentService::GetAlignmentStatus, &AlignmentService::PreviewSegmentChange);
}

grpc::ServerUnaryReactor* AlignmentService::CreateFunction(grpc::CallbackServerContext* context,
                                                    const v1::CreateFunctionRequest* request,
                                                    v1::Function* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.CreateFunction(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::GetFunction(grpc::CallbackServerContext* context,
                                                    const v1::GetFunctionRequest* request,
                                                    v1::Function* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.GetFunction(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::ListFunctions(grpc::CallbackServerContext* context,
                                                    const v1::ListFunctionsRequest* request,
                                                    v1::ListFunctionsResponse* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ListFunctions(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::UpdateFunction(grpc::CallbackServerContext* context,
                                                    const v1::UpdateFunctionRequest* request,
                                                    v1::Function* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.UpdateFunction(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::DeleteFunction(grpc::CallbackServerContext* context,
                                                    const v1::DeleteFunctionRequest* request,
                                                    google::protobuf::Empty* /*response*/) {
  return ServeUnary(context, runtime_, [this, request](const CallContext& call) {
    return catalog_.DeleteFunction(call, *request);
  });
}

grpc::ServerUnaryReactor* AlignmentService::CreateCommitment(grpc::CallbackServerContext* context,
                                                    const v1::CreateCommitmentRequest* request,
                                                    v1::Commitment* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.CreateCommitment(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::GetCommitment(grpc::CallbackServerContext* context,
                                                    const v1::GetCommitmentRequest* request,
                                                    v1::Commitment* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.GetCommitment(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::ListCommitments(grpc::CallbackServerContext* context,
                                                    const v1::ListCommitmentsRequest* request,
                                                    v1::ListCommitmentsResponse* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ListCommitments(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::UpdateCommitment(grpc::CallbackServerContext* context,
                                                    const v1::UpdateCommitmentRequest* request,
                                                    v1::Commitment* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.UpdateCommitment(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::ConfirmCommitment(grpc::CallbackServerContext* context,
                                                    const v1::ConfirmCommitmentRequest* request,
                                                    v1::Commitment* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ConfirmCommitment(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::GetTask(grpc::CallbackServerContext* context,
                                                    const v1::GetTaskRequest* request,
                                                    v1::Task* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.GetTask(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::ListTasks(grpc::CallbackServerContext* context,
                                                    const v1::ListTasksRequest* request,
                                                    v1::ListTasksResponse* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ListTasks(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::AcknowledgeTask(grpc::CallbackServerContext* context,
                                                    const v1::AcknowledgeTaskRequest* request,
                                                    v1::Task* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.AcknowledgeTask(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::ResolveTask(grpc::CallbackServerContext* context,
                                                    const v1::ResolveTaskRequest* request,
                                                    v1::Task* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ResolveTask(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::GetAlignmentStatus(grpc::CallbackServerContext* context,
                                                    const v1::GetAlignmentStatusRequest* request,
                                                    v1::AlignmentStatus* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.GetAlignmentStatus(call, *request, response);
  });
}

grpc::ServerUnaryReactor* AlignmentService::PreviewSegmentChange(grpc::CallbackServerContext* context,
                                                    const v1::PreviewSegmentChangeRequest* request,
                                                    v1::PreviewSegmentChangeResponse* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.PreviewSegmentChange(call, *request, response);
  });
}

grpc::ServerWriteReactor<v1::WatchTasksResponse>* AlignmentService::WatchTasks(
    grpc::CallbackServerContext* context, const v1::WatchTasksRequest* request) {
  using Reactor = eventlog::WatchReactor<v1::WatchTasksResponse>;
  auto call = runtime_.Begin(*context);
  if (!call.ok()) return Reactor::Fail(call.status());
  auto watch = catalog_.CheckTaskWatch(*call, *request);
  if (!watch.ok()) return Reactor::Fail(watch.status());
  auto convert = [](const eventlog::LoggedEvent& logged) {
    v1::WatchTasksResponse response;
    v1::TaskEventData data;
    logged.event.proto_data().UnpackTo(&data);
    response.set_kind(logged.event.type() == kTaskCreated ? v1::WatchTasksResponse::CREATED
                                                          : v1::WatchTasksResponse::UPDATED);
    *response.mutable_task() = std::move(*data.mutable_after());
    response.set_cursor(logged.cursor);
    return response;
  };
  if (!watch->cursor.empty()) {
    return Reactor::Start(watch_, runtime_.Recheck(*context, call->principal), watch->organization,
                          watch->cursor, watch->filter, convert);
  }
  // No cursor: the open backlog first, read on the worker pool.
  return Reactor::StartPrepared(
      watch_, runtime_.Recheck(*context, call->principal), watch->organization, watch->filter,
      convert,
      [this, call = *call, request = *request,
       watch = *watch]() mutable -> absl::StatusOr<Reactor::Beginning> {
        if (absl::Status read = catalog_.ReadTaskBacklog(call, request, watch); !read.ok()) {
          return read;
        }
        return Reactor::Beginning{std::move(watch.cursor), std::move(watch.backlog)};
      });
}

}  // namespace throughline::alignment
