#include "services/offering/offering_service.h"

#include "libs/eventlog/watch_subscription.h"

namespace throughline::offering {

using server::CallContext;
using server::ServeUnary;

OfferingService::OfferingService(OfferingCatalog& catalog, const server::CallRuntime& runtime,
                                 eventlog::WatchDependencies watch)
    : catalog_(catalog), runtime_(runtime), watch_(watch) {
  // Every method, in the order of the .proto: requests that do not parse are answered
  // INVALID_ARGUMENT naming the field (libs/server/request_parsing.h).
  ParseRequests(this, v1::OfferingService::service_full_name(), &OfferingService::CreateOffering,
                &OfferingService::GetOffering, &OfferingService::ListOfferings,
                &OfferingService::UpdateOffering, &OfferingService::DeleteOffering,
                &OfferingService::RetargetOffering, &OfferingService::CreateDecision,
                &OfferingService::GetDecision, &OfferingService::ListDecisions,
                &OfferingService::UpdateDecision, &OfferingService::DeleteDecision,
                &OfferingService::EvaluateCoherence, &OfferingService::WatchOfferingEvents);
}

grpc::ServerUnaryReactor* OfferingService::CreateOffering(grpc::CallbackServerContext* context,
                                                   const v1::CreateOfferingRequest* request,
                                                   v1::Offering* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.CreateOffering(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::GetOffering(grpc::CallbackServerContext* context,
                                                   const v1::GetOfferingRequest* request,
                                                   v1::Offering* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.GetOffering(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::ListOfferings(grpc::CallbackServerContext* context,
                                                   const v1::ListOfferingsRequest* request,
                                                   v1::ListOfferingsResponse* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ListOfferings(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::UpdateOffering(grpc::CallbackServerContext* context,
                                                   const v1::UpdateOfferingRequest* request,
                                                   v1::Offering* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.UpdateOffering(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::DeleteOffering(grpc::CallbackServerContext* context,
                                                   const v1::DeleteOfferingRequest* request,
                                                   google::protobuf::Empty* /*response*/) {
  return ServeUnary(context, runtime_, [this, request](const CallContext& call) {
    return catalog_.DeleteOffering(call, *request);
  });
}

grpc::ServerUnaryReactor* OfferingService::RetargetOffering(grpc::CallbackServerContext* context,
                                                   const v1::RetargetOfferingRequest* request,
                                                   v1::Offering* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.RetargetOffering(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::CreateDecision(grpc::CallbackServerContext* context,
                                                   const v1::CreateDecisionRequest* request,
                                                   v1::Decision* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.CreateDecision(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::GetDecision(grpc::CallbackServerContext* context,
                                                   const v1::GetDecisionRequest* request,
                                                   v1::Decision* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.GetDecision(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::ListDecisions(grpc::CallbackServerContext* context,
                                                   const v1::ListDecisionsRequest* request,
                                                   v1::ListDecisionsResponse* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ListDecisions(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::UpdateDecision(grpc::CallbackServerContext* context,
                                                   const v1::UpdateDecisionRequest* request,
                                                   v1::Decision* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.UpdateDecision(call, *request, response);
  });
}

grpc::ServerUnaryReactor* OfferingService::DeleteDecision(grpc::CallbackServerContext* context,
                                                   const v1::DeleteDecisionRequest* request,
                                                   google::protobuf::Empty* /*response*/) {
  return ServeUnary(context, runtime_, [this, request](const CallContext& call) {
    return catalog_.DeleteDecision(call, *request);
  });
}

grpc::ServerUnaryReactor* OfferingService::EvaluateCoherence(grpc::CallbackServerContext* context,
                                                   const v1::EvaluateCoherenceRequest* request,
                                                   v1::CoherenceReport* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.EvaluateCoherence(call, *request, response);
  });
}

grpc::ServerWriteReactor<v1::WatchOfferingEventsResponse>* OfferingService::WatchOfferingEvents(
    grpc::CallbackServerContext* context, const v1::WatchOfferingEventsRequest* request) {
  using Reactor = eventlog::WatchReactor<v1::WatchOfferingEventsResponse>;
  auto subscription = eventlog::AuthorizeWatch(runtime_, *context, request->parent(),
                                               request->after_cursor(), request->filter());
  if (!subscription.ok()) return Reactor::Fail(subscription.status());
  return Reactor::Start(watch_, runtime_.Recheck(*context, subscription->principal),
                        subscription->organization, request->after_cursor(), subscription->filter,
                        [](const eventlog::LoggedEvent& logged) {
                          v1::WatchOfferingEventsResponse response;
                          *response.mutable_event() = logged.event;
                          response.set_cursor(logged.cursor);
                          return response;
                        });
}

}  // namespace throughline::offering
