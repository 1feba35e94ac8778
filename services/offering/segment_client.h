#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::offering {

// Reads segments from the segment service with the offering service's own credentials (a
// service-account token). Every call carries a deadline derived from the caller's.
class SegmentClient {
 public:
  SegmentClient(std::shared_ptr<grpc::Channel> channel, std::string service_token);

  // The segment, or: NOT_FOUND when it does not exist; UNAVAILABLE when the segment service
  // cannot be reached or does not answer before `deadline`; INTERNAL when it refuses the
  // service's credentials (a deployment error, logged).
  absl::StatusOr<segment::v1::Segment> GetSegment(std::string_view name,
                                                  absl::Time deadline) const;

 private:
  std::unique_ptr<segment::v1::SegmentService::Stub> stub_;
  const std::string authorization_;
};

}  // namespace throughline::offering
