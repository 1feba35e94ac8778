#include "services/offering/segment_client.h"

namespace throughline::offering {

SegmentClient::SegmentClient(std::shared_ptr<grpc::Channel> channel, std::string service_token)
    : stub_(segment::v1::SegmentService::NewStub(std::move(channel))),
      call_("segment", std::move(service_token)) {}

absl::StatusOr<segment::v1::Segment> SegmentClient::GetSegment(std::string_view name,
                                                               absl::Time deadline) const {
  grpc::ClientContext context;
  call_.Prepare(context, deadline);
  segment::v1::GetSegmentRequest request;
  request.set_name(std::string(name));
  segment::v1::Segment segment;
  const grpc::Status status = stub_->GetSegment(&context, request, &segment);
  if (!status.ok()) return call_.Failed(status);
  return segment;
}

}  // namespace throughline::offering
