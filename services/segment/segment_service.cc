#include "services/segment/segment_service.h"

#include "libs/eventlog/watch_subscription.h"

namespace throughline::segment {

using server::CallContext;
using server::Done;
using server::ServeUnary;
using server::ServeUnaryAsync;

SegmentService::SegmentService(SegmentCatalog& catalog, const server::CallRuntime& runtime,
                               eventlog::WatchDependencies watch)
    : catalog_(catalog), runtime_(runtime), watch_(watch) {
  // Every method, in the order of the .proto: requests that do not parse are answered
  // INVALID_ARGUMENT naming the field (libs/server/request_parsing.h).
  ParseRequests(this, v1::SegmentService::service_full_name(), &SegmentService::CreateMarket,
                &SegmentService::GetMarket, &SegmentService::ListMarkets,
                &SegmentService::UpdateMarket, &SegmentService::DeleteMarket,
                &SegmentService::CreateSegment, &SegmentService::GetSegment,
                &SegmentService::ListSegments, &SegmentService::UpdateSegment,
                &SegmentService::DeleteSegment, &SegmentService::WatchSegmentEvents);
}

grpc::ServerUnaryReactor* SegmentService::CreateMarket(grpc::CallbackServerContext* context,
                                                       const v1::CreateMarketRequest* request,
                                                       v1::Market* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.CreateMarket(call, *request, response);
  });
}

grpc::ServerUnaryReactor* SegmentService::GetMarket(grpc::CallbackServerContext* context,
                                                    const v1::GetMarketRequest* request,
                                                    v1::Market* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.GetMarket(call, *request, response);
  });
}

grpc::ServerUnaryReactor* SegmentService::ListMarkets(grpc::CallbackServerContext* context,
                                                      const v1::ListMarketsRequest* request,
                                                      v1::ListMarketsResponse* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ListMarkets(call, *request, response);
  });
}

grpc::ServerUnaryReactor* SegmentService::UpdateMarket(grpc::CallbackServerContext* context,
                                                       const v1::UpdateMarketRequest* request,
                                                       v1::Market* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.UpdateMarket(call, *request, response);
  });
}

grpc::ServerUnaryReactor* SegmentService::DeleteMarket(grpc::CallbackServerContext* context,
                                                       const v1::DeleteMarketRequest* request,
                                                       google::protobuf::Empty* /*response*/) {
  return ServeUnary(context, runtime_, [this, request](const CallContext& call) {
    return catalog_.DeleteMarket(call, *request);
  });
}

grpc::ServerUnaryReactor* SegmentService::CreateSegment(grpc::CallbackServerContext* context,
                                                        const v1::CreateSegmentRequest* request,
                                                        v1::Segment* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.CreateSegment(call, *request, response);
  });
}

grpc::ServerUnaryReactor* SegmentService::GetSegment(grpc::CallbackServerContext* context,
                                                     const v1::GetSegmentRequest* request,
                                                     v1::Segment* response) {
  return ServeUnaryAsync(context, runtime_,
                         [this, request, response](const CallContext& call, Done done) {
                           catalog_.GetSegment(call, *request, response, std::move(done));
                         });
}

grpc::ServerUnaryReactor* SegmentService::ListSegments(grpc::CallbackServerContext* context,
                                                       const v1::ListSegmentsRequest* request,
                                                       v1::ListSegmentsResponse* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.ListSegments(call, *request, response);
  });
}

grpc::ServerUnaryReactor* SegmentService::UpdateSegment(grpc::CallbackServerContext* context,
                                                        const v1::UpdateSegmentRequest* request,
                                                        v1::Segment* response) {
  return ServeUnary(context, runtime_, [this, request, response](const CallContext& call) {
    return catalog_.UpdateSegment(call, *request, response);
  });
}

grpc::ServerUnaryReactor* SegmentService::DeleteSegment(grpc::CallbackServerContext* context,
                                                        const v1::DeleteSegmentRequest* request,
                                                        google::protobuf::Empty* /*response*/) {
  return ServeUnary(context, runtime_, [this, request](const CallContext& call) {
    return catalog_.DeleteSegment(call, *request);
  });
}

grpc::ServerWriteReactor<v1::WatchSegmentEventsResponse>* SegmentService::WatchSegmentEvents(
    grpc::CallbackServerContext* context, const v1::WatchSegmentEventsRequest* request) {
  using Reactor = eventlog::WatchReactor<v1::WatchSegmentEventsResponse>;
  auto subscription = eventlog::AuthorizeWatch(runtime_, *context, request->parent(),
                                               request->after_cursor(), request->filter());
  if (!subscription.ok()) return Reactor::Fail(subscription.status());
  return Reactor::Start(watch_, runtime_.Recheck(*context, subscription->principal),
                        subscription->organization, request->after_cursor(), subscription->filter,
                        [](const eventlog::LoggedEvent& logged) {
                          v1::WatchSegmentEventsResponse response;
                          *response.mutable_event() = logged.event;
                          response.set_cursor(logged.cursor);
                          return response;
                        });
}

}  // namespace throughline::segment
