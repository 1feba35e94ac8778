#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/server/outgoing_call.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"

namespace throughline::offering {

// Reads the functions' commitments to an offering from the alignment service, which keeps
// them, with the offering service's own credentials: EvaluateCoherence checks their local
// metrics against the target segment's needs (UNLINKED_METRIC).
class CommitmentClient {
 public:
  CommitmentClient(std::shared_ptr<grpc::Channel> channel, std::string service_token);

  // Every commitment of the offering named `offering` (all pages), or UNAVAILABLE when the
  // alignment service cannot be reached or does not answer before `deadline` (see
  // server::OutgoingCall).
  absl::StatusOr<std::vector<alignment::v1::Commitment>> ListCommitments(std::string_view offering,
                                                                         absl::Time deadline) const;

 private:
  std::unique_ptr<alignment::v1::AlignmentService::Stub> stub_;
  const server::OutgoingCall call_;
};

}  // namespace throughline::offering
