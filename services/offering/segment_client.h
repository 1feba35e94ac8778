#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/server/outgoing_call.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::offering {

// Reads segments from the segment service with the offering service's own credentials.
class SegmentClient {
 public:
  SegmentClient(std::shared_ptr<grpc::Channel> channel, std::string service_token);

  // The segment, or NOT_FOUND, or UNAVAILABLE when the segment service cannot be reached or
  // does not answer before `deadline` (see server::OutgoingCall).
  absl::StatusOr<segment::v1::Segment> GetSegment(std::string_view name,
                                                  absl::Time deadline) const;

 private:
  std::unique_ptr<segment::v1::SegmentService::Stub> stub_;
  const server::OutgoingCall call_;
};

}  // namespace throughline::offering
