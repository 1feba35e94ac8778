#include "services/offering/commitment_client.h"

#include "libs/api/page_token.h"

namespace throughline::offering {

CommitmentClient::CommitmentClient(std::shared_ptr<grpc::Channel> channel,
                                   std::string service_token)
    : stub_(alignment::v1::AlignmentService::NewStub(std::move(channel))),
      call_("alignment", std::move(service_token)) {}

absl::StatusOr<std::vector<alignment::v1::Commitment>> CommitmentClient::ListCommitments(
    std::string_view offering, absl::Time deadline) const {
  std::vector<alignment::v1::Commitment> commitments;
  alignment::v1::ListCommitmentsRequest request;
  request.set_parent(std::string(offering));
  request.set_page_size(api::kMaxPageSize);
  do {
    grpc::ClientContext context;
    call_.Prepare(context, deadline);
    alignment::v1::ListCommitmentsResponse response;
    const grpc::Status status = stub_->ListCommitments(&context, request, &response);
    if (!status.ok()) return call_.Failed(status);
    for (auto& commitment : *response.mutable_commitments()) {
      commitments.push_back(std::move(commitment));
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return commitments;
}

}  // namespace throughline::offering
