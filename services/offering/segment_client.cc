#include "services/offering/segment_client.h"

#include "absl/strings/str_cat.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"

namespace throughline::offering {

SegmentClient::SegmentClient(std::shared_ptr<grpc::Channel> channel, std::string service_token)
    : stub_(segment::v1::SegmentService::NewStub(std::move(channel))),
      authorization_(absl::StrCat("Bearer ", service_token)) {}

absl::StatusOr<segment::v1::Segment> SegmentClient::GetSegment(std::string_view name,
                                                               absl::Time deadline) const {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  context.AddMetadata("authorization", authorization_);
  segment::v1::GetSegmentRequest request;
  request.set_name(std::string(name));
  segment::v1::Segment segment;
  const grpc::Status status = stub_->GetSegment(&context, request, &segment);
  if (status.ok()) return segment;
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::INVALID_ARGUMENT:
      return errors::FromGrpcStatus(status);
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      log::Error("the segment service refused the offering service's credentials",
                 {{"error", status.error_message()}});
      return errors::Internal(
          "the offering service is not authorized to read segments; check its service token");
    default:
      return errors::Unavailable(absl::StrCat("the segment service is unavailable (",
                                              status.error_message(),
                                              "); nothing was changed, retry later"));
  }
}

}  // namespace throughline::offering
