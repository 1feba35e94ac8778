#pragma once

#include "libs/eventlog/watch_reactor.h"
#include "libs/server/call.h"
#include "libs/server/request_parsing.h"
#include "services/offering/offering_catalog.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"

namespace throughline::offering {

// The gRPC surface of the offering service: each unary method authenticates, then runs the
// catalog on the worker pool; WatchOfferingEvents streams the event log.
class OfferingService final
    : public server::ParsesItsRequests<v1::OfferingService::CallbackService> {
 public:
  OfferingService(OfferingCatalog& catalog, const server::CallRuntime& runtime,
                  eventlog::WatchDependencies watch);

  grpc::ServerUnaryReactor* CreateOffering(grpc::CallbackServerContext* context,
      const v1::CreateOfferingRequest* request, v1::Offering* response) override;
  grpc::ServerUnaryReactor* GetOffering(grpc::CallbackServerContext* context,
      const v1::GetOfferingRequest* request, v1::Offering* response) override;
  grpc::ServerUnaryReactor* ListOfferings(grpc::CallbackServerContext* context,
      const v1::ListOfferingsRequest* request, v1::ListOfferingsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateOffering(grpc::CallbackServerContext* context,
      const v1::UpdateOfferingRequest* request, v1::Offering* response) override;
  grpc::ServerUnaryReactor* DeleteOffering(grpc::CallbackServerContext* context,
      const v1::DeleteOfferingRequest* request, google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* RetargetOffering(grpc::CallbackServerContext* context,
      const v1::RetargetOfferingRequest* request, v1::Offering* response) override;
  grpc::ServerUnaryReactor* CreateDecision(grpc::CallbackServerContext* context,
      const v1::CreateDecisionRequest* request, v1::Decision* response) override;
  grpc::ServerUnaryReactor* GetDecision(grpc::CallbackServerContext* context,
      const v1::GetDecisionRequest* request, v1::Decision* response) override;
  grpc::ServerUnaryReactor* ListDecisions(grpc::CallbackServerContext* context,
      const v1::ListDecisionsRequest* request, v1::ListDecisionsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateDecision(grpc::CallbackServerContext* context,
      const v1::UpdateDecisionRequest* request, v1::Decision* response) override;
  grpc::ServerUnaryReactor* DeleteDecision(grpc::CallbackServerContext* context,
      const v1::DeleteDecisionRequest* request, google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* EvaluateCoherence(grpc::CallbackServerContext* context,
      const v1::EvaluateCoherenceRequest* request, v1::CoherenceReport* response) override;
  grpc::ServerWriteReactor<v1::WatchOfferingEventsResponse>* WatchOfferingEvents(
      grpc::CallbackServerContext* context,
      const v1::WatchOfferingEventsRequest* request) override;

 private:
  OfferingCatalog& catalog_;
  const server::CallRuntime& runtime_;
  const eventlog::WatchDependencies watch_;
};

}  // namespace throughline::offering
