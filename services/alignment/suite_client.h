#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/server/outgoing_call.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::alignment {

// The alignment service's reads from the segment and offering services, with its own
// service-account token and the caller's deadline.
class SuiteClient {
 public:
  SuiteClient(std::shared_ptr<grpc::Channel> segment_channel,
              std::shared_ptr<grpc::Channel> offering_channel, std::string service_token);

  absl::StatusOr<segment::v1::Segment> GetSegment(const std::string& name,
                                                  absl::Time deadline) const;
  absl::StatusOr<offering::v1::Offering> GetOffering(const std::string& name,
                                                     absl::Time deadline) const;
  // Every offering of `organization` whose target is `segment`.
  absl::StatusOr<std::vector<offering::v1::Offering>> OfferingsTargeting(
      const std::string& organization, const std::string& segment, absl::Time deadline) const;
  // Every ACCEPTED decision of `offering`.
  absl::StatusOr<std::vector<offering::v1::Decision>> AcceptedDecisions(const std::string& offering,
                                                                        absl::Time deadline) const;
  // Every ACCEPTED decision of every offering of `organization` that targets `segment`, in
  // one paged read (ListDecisions with the "-" parent) instead of one call per offering.
  absl::StatusOr<std::vector<offering::v1::Decision>> AcceptedDecisionsTargeting(
      const std::string& organization, const std::string& segment, absl::Time deadline) const;

  // Streams for the subscriptions (every organization, "organizations/-").
  std::unique_ptr<grpc::ClientReader<segment::v1::WatchSegmentEventsResponse>> WatchSegments(
      grpc::ClientContext& context, const std::string& after_cursor) const;
  std::unique_ptr<grpc::ClientReader<offering::v1::WatchOfferingEventsResponse>> WatchOfferings(
      grpc::ClientContext& context, const std::string& after_cursor) const;

  const server::OutgoingCall& segment_call() const { return segment_call_; }
  const server::OutgoingCall& offering_call() const { return offering_call_; }

 private:
  // Every page of ListDecisions for `request`.
  absl::StatusOr<std::vector<offering::v1::Decision>> AllDecisions(
      offering::v1::ListDecisionsRequest request, absl::Time deadline) const;

  std::unique_ptr<segment::v1::SegmentService::Stub> segments_;
  std::unique_ptr<offering::v1::OfferingService::Stub> offerings_;
  const server::OutgoingCall segment_call_;
  const server::OutgoingCall offering_call_;
};

}  // namespace throughline::alignment
