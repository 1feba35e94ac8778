#include "services/alignment/suite_client.h"

#include "absl/strings/str_cat.h"

namespace throughline::alignment {
namespace {

constexpr int kPageSize = 500;

}  // namespace

SuiteClient::SuiteClient(std::shared_ptr<grpc::Channel> segment_channel,
                         std::shared_ptr<grpc::Channel> offering_channel, std::string service_token)
    : segments_(segment::v1::SegmentService::NewStub(std::move(segment_channel))),
      offerings_(offering::v1::OfferingService::NewStub(std::move(offering_channel))),
      segment_call_("segment", service_token),
      offering_call_("offering", service_token) {}

absl::StatusOr<segment::v1::Segment> SuiteClient::GetSegment(const std::string& name,
                                                             absl::Time deadline) const {
  grpc::ClientContext context;
  segment_call_.Prepare(context, deadline);
  segment::v1::GetSegmentRequest request;
  request.set_name(name);
  segment::v1::Segment segment;
  if (auto status = segments_->GetSegment(&context, request, &segment); !status.ok()) {
    return segment_call_.Failed(status);
  }
  return segment;
}

absl::StatusOr<offering::v1::Offering> SuiteClient::GetOffering(const std::string& name,
                                                                absl::Time deadline) const {
  grpc::ClientContext context;
  offering_call_.Prepare(context, deadline);
  offering::v1::GetOfferingRequest request;
  request.set_name(name);
  offering::v1::Offering offering;
  if (auto status = offerings_->GetOffering(&context, request, &offering); !status.ok()) {
    return offering_call_.Failed(status);
  }
  return offering;
}

absl::StatusOr<std::vector<offering::v1::Offering>> SuiteClient::OfferingsTargeting(
    const std::string& organization, const std::string& segment, absl::Time deadline) const {
  std::vector<offering::v1::Offering> offerings;
  offering::v1::ListOfferingsRequest request;
  request.set_parent(absl::StrCat("organizations/", organization));
  request.set_page_size(kPageSize);
  request.set_filter(absl::StrCat("target_segment = \"", segment, "\""));
  do {
    grpc::ClientContext context;
    offering_call_.Prepare(context, deadline);
    offering::v1::ListOfferingsResponse response;
    if (auto status = offerings_->ListOfferings(&context, request, &response); !status.ok()) {
      return offering_call_.Failed(status);
    }
    for (auto& offering : *response.mutable_offerings()) offerings.push_back(std::move(offering));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return offerings;
}

absl::StatusOr<std::vector<offering::v1::Decision>> SuiteClient::AcceptedDecisions(
    const std::string& offering, absl::Time deadline) const {
  offering::v1::ListDecisionsRequest request;
  request.set_parent(offering);
  request.set_filter("state = ACCEPTED");
  return AllDecisions(std::move(request), deadline);
}

absl::StatusOr<std::vector<offering::v1::Decision>> SuiteClient::AcceptedDecisionsTargeting(
    const std::string& organization, const std::string& segment, absl::Time deadline) const {
  offering::v1::ListDecisionsRequest request;
  request.set_parent(absl::StrCat("organizations/", organization, "/offerings/-"));
  request.set_filter(absl::StrCat("state = ACCEPTED AND target_segment = \"", segment, "\""));
  return AllDecisions(std::move(request), deadline);
}

absl::StatusOr<std::vector<offering::v1::Decision>> SuiteClient::AllDecisions(
    offering::v1::ListDecisionsRequest request, absl::Time deadline) const {
  std::vector<offering::v1::Decision> decisions;
  request.set_page_size(kPageSize);
  do {
    grpc::ClientContext context;
    offering_call_.Prepare(context, deadline);
    offering::v1::ListDecisionsResponse response;
    if (auto status = offerings_->ListDecisions(&context, request, &response); !status.ok()) {
      return offering_call_.Failed(status);
    }
    for (auto& decision : *response.mutable_decisions()) decisions.push_back(std::move(decision));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return decisions;
}

std::unique_ptr<grpc::ClientReader<segment::v1::WatchSegmentEventsResponse>>
SuiteClient::WatchSegments(grpc::ClientContext& context, const std::string& after_cursor) const {
  segment::v1::WatchSegmentEventsRequest request;
  request.set_parent("organizations/-");
  request.set_after_cursor(after_cursor);
  return segments_->WatchSegmentEvents(&context, request);
}

std::unique_ptr<grpc::ClientReader<offering::v1::WatchOfferingEventsResponse>>
SuiteClient::WatchOfferings(grpc::ClientContext& context, const std::string& after_cursor) const {
  offering::v1::WatchOfferingEventsRequest request;
  request.set_parent("organizations/-");
  request.set_after_cursor(after_cursor);
  return offerings_->WatchOfferingEvents(&context, request);
}

}  // namespace throughline::alignment
