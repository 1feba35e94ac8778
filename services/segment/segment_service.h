#pragma once

#include "libs/eventlog/watch_reactor.h"
#include "libs/server/call.h"
#include "libs/server/request_parsing.h"
#include "services/segment/segment_catalog.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::segment {

// The gRPC surface of the segment service: each unary method authenticates, then runs the
// catalog on the worker pool; WatchSegmentEvents streams the event log.
class SegmentService final : public server::ParsesItsRequests<v1::SegmentService::CallbackService> {
 public:
  SegmentService(SegmentCatalog& catalog, const server::CallRuntime& runtime,
                 eventlog::WatchDependencies watch);

  grpc::ServerUnaryReactor* CreateMarket(grpc::CallbackServerContext* context,
                                         const v1::CreateMarketRequest* request,
                                         v1::Market* response) override;
  grpc::ServerUnaryReactor* GetMarket(grpc::CallbackServerContext* context,
                                      const v1::GetMarketRequest* request,
                                      v1::Market* response) override;
  grpc::ServerUnaryReactor* ListMarkets(grpc::CallbackServerContext* context,
                                        const v1::ListMarketsRequest* request,
                                        v1::ListMarketsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateMarket(grpc::CallbackServerContext* context,
                                         const v1::UpdateMarketRequest* request,
                                         v1::Market* response) override;
  grpc::ServerUnaryReactor* DeleteMarket(grpc::CallbackServerContext* context,
                                         const v1::DeleteMarketRequest* request,
                                         google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* CreateSegment(grpc::CallbackServerContext* context,
                                          const v1::CreateSegmentRequest* request,
                                          v1::Segment* response) override;
  grpc::ServerUnaryReactor* GetSegment(grpc::CallbackServerContext* context,
                                       const v1::GetSegmentRequest* request,
                                       v1::Segment* response) override;
  grpc::ServerUnaryReactor* ListSegments(grpc::CallbackServerContext* context,
                                         const v1::ListSegmentsRequest* request,
                                         v1::ListSegmentsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateSegment(grpc::CallbackServerContext* context,
                                          const v1::UpdateSegmentRequest* request,
                                          v1::Segment* response) override;
  grpc::ServerUnaryReactor* DeleteSegment(grpc::CallbackServerContext* context,
                                          const v1::DeleteSegmentRequest* request,
                                          google::protobuf::Empty* response) override;
  grpc::ServerWriteReactor<v1::WatchSegmentEventsResponse>* WatchSegmentEvents(
      grpc::CallbackServerContext* context,
      const v1::WatchSegmentEventsRequest* request) override;

 private:
  SegmentCatalog& catalog_;
  const server::CallRuntime& runtime_;
  const eventlog::WatchDependencies watch_;
};

}  // namespace throughline::segment
