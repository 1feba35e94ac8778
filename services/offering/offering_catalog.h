#pragma once

#include <functional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "libs/db/idempotency.h"
#include "libs/db/list_reads.h"
#include "libs/eventlog/event_log.h"
#include "libs/server/call.h"
#include "pqxx/pqxx"
#include "services/offering/commitment_client.h"
#include "services/offering/segment_client.h"
#include "throughline/offering/v1/offering_service.pb.h"

namespace throughline::offering {

// Event types of the offering log.
inline constexpr char kOfferingCreated[] = "throughline.offering.v1.offering_created";
inline constexpr char kOfferingChanged[] = "throughline.offering.v1.offering_changed";
inline constexpr char kOfferingRetargeted[] = "throughline.offering.v1.offering_retargeted";
inline constexpr char kOfferingDeleted[] = "throughline.offering.v1.offering_deleted";
inline constexpr char kDecisionCreated[] = "throughline.offering.v1.decision_created";
inline constexpr char kDecisionChanged[] = "throughline.offering.v1.decision_changed";
inline constexpr char kDecisionDeleted[] = "throughline.offering.v1.decision_deleted";

inline constexpr char kOfferingPattern[] = "organizations/{organization}/offerings/{offering}";
inline constexpr char kDecisionPattern[] =
    "organizations/{organization}/offerings/{offering}/decisions/{decision}";

// Offerings, their decisions and coherence: validation, authorization, the target segment
// read from the segment service, storage and the event of each change. Remote reads happen
// before the transaction opens, so no database transaction waits on the network.
class OfferingCatalog {
 public:
  using Clock = std::function<absl::Time()>;

  // `commitments` may be null (no alignment service configured): coherence reports then leave
  // out the commitments' metrics.
  // List calls read through `list_reads` (a read replica when there is one); the rest from
  // `pool`.
  OfferingCatalog(db::ConnectionPool& pool, db::ListReads& list_reads,
                  const eventlog::EventLog& events, const SegmentClient& segments,
                  const CommitmentClient* commitments, Clock clock);

  absl::Status CreateOffering(const server::CallContext& call,
                              const v1::CreateOfferingRequest& request, v1::Offering* offering);
  absl::Status GetOffering(const server::CallContext& call, const v1::GetOfferingRequest& request,
                           v1::Offering* offering);
  absl::Status ListOfferings(const server::CallContext& call,
                             const v1::ListOfferingsRequest& request,
                             v1::ListOfferingsResponse* response);
  absl::Status UpdateOffering(const server::CallContext& call,
                              const v1::UpdateOfferingRequest& request, v1::Offering* offering);
  absl::Status DeleteOffering(const server::CallContext& call,
                              const v1::DeleteOfferingRequest& request);
  absl::Status RetargetOffering(const server::CallContext& call,
                                const v1::RetargetOfferingRequest& request,
                                v1::Offering* offering);

  absl::Status CreateDecision(const server::CallContext& call,
                              const v1::CreateDecisionRequest& request, v1::Decision* decision);
  absl::Status GetDecision(const server::CallContext& call, const v1::GetDecisionRequest& request,
                           v1::Decision* decision);
  absl::Status ListDecisions(const server::CallContext& call,
                             const v1::ListDecisionsRequest& request,
                             v1::ListDecisionsResponse* response);
  absl::Status UpdateDecision(const server::CallContext& call,
                              const v1::UpdateDecisionRequest& request, v1::Decision* decision);
  absl::Status DeleteDecision(const server::CallContext& call,
                              const v1::DeleteDecisionRequest& request);

  absl::Status EvaluateCoherence(const server::CallContext& call,
                                 const v1::EvaluateCoherenceRequest& request,
                                 v1::CoherenceReport* report);

 private:
  // True, with `response` filled, when the request of `key` already completed: a replay is
  // answered from the stored response before any call to the segment service, so it succeeds
  // even while that service is unreachable.
  absl::StatusOr<bool> FindReplay(const server::CallContext& call, const db::IdempotencyKey& key,
                                  const google::protobuf::Message& request,
                                  google::protobuf::Message* response);
  // Reads the segment an offering targets; NOT_FOUND becomes a violation on `field`.
  absl::StatusOr<segment::v1::Segment> ReadTargetSegment(const server::CallContext& call,
                                                         const std::string& name,
                                                         const std::string& field) const;
  // Applies the fields `paths` of `source` to the stored offering in `tx`: etag check,
  // validation, revision, event. `target` is the new target segment when the change may
  // retarget (its revision becomes designed_for_revision).
  absl::Status ApplyOfferingChange(pqxx::work& tx, const std::string& organization,
                                   const std::string& offering_id, const v1::Offering& source,
                                   const std::set<std::string>& paths, const std::string& etag,
                                   const segment::v1::Segment* target, v1::Offering* offering);

  db::ConnectionPool& pool_;
  db::ListReads& list_reads_;
  const eventlog::EventLog& events_;
  const SegmentClient& segments_;
  const CommitmentClient* const commitments_;  // null: no alignment service configured
  const Clock clock_;
};

}  // namespace throughline::offering
