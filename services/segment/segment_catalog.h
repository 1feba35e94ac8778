#pragma once

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "libs/db/list_reads.h"
#include "libs/db/read_coalescer.h"
#include "libs/eventlog/event_log.h"
#include "libs/server/call.h"
#include "services/segment/segment_cache.h"
#include "services/segment/segment_store.h"
#include "throughline/segment/v1/segment_service.pb.h"

namespace throughline::segment {

// Event types of the segment log.
inline constexpr char kMarketCreated[] = "throughline.segment.v1.market_created";
inline constexpr char kMarketChanged[] = "throughline.segment.v1.market_changed";
inline constexpr char kMarketDeleted[] = "throughline.segment.v1.market_deleted";
inline constexpr char kSegmentCreated[] = "throughline.segment.v1.segment_created";
inline constexpr char kSegmentChanged[] = "throughline.segment.v1.segment_changed";
inline constexpr char kSegmentDeleted[] = "throughline.segment.v1.segment_deleted";

inline constexpr char kMarketPattern[] = "organizations/{organization}/markets/{market}";
inline constexpr char kSegmentPattern[] =
    "organizations/{organization}/markets/{market}/segments/{segment}";

// The markets and segments of every organization: validation, authorization, storage and the
// event of each change, in one transaction per request. Independent of gRPC: the service
// calls it from a worker thread (GetSegment from the gRPC thread), tests may call it directly.
class SegmentCatalog {
 public:
  using Clock = std::function<absl::Time()>;

  // List calls read through `list_reads` (a read replica when there is one); the rest from
  // `pool`. GetSegment answers from `cache` what it holds.
  SegmentCatalog(db::ConnectionPool& pool, db::ListReads& list_reads,
                 const eventlog::EventLog& events, SegmentCache& cache, Clock clock);

  absl::Status CreateMarket(const server::CallContext& call, const v1::CreateMarketRequest& request,
                            v1::Market* market);
  absl::Status GetMarket(const server::CallContext& call, const v1::GetMarketRequest& request,
                         v1::Market* market);
  absl::Status ListMarkets(const server::CallContext& call, const v1::ListMarketsRequest& request,
                           v1::ListMarketsResponse* response);
  absl::Status UpdateMarket(const server::CallContext& call, const v1::UpdateMarketRequest& request,
                            v1::Market* market);
  absl::Status DeleteMarket(const server::CallContext& call, const v1::DeleteMarketRequest& request);

  absl::Status CreateSegment(const server::CallContext& call,
                             const v1::CreateSegmentRequest& request, v1::Segment* segment);
  // Does not block: answers from the cache at once, or queues the read and returns; `done` is
  // then called once `segment` is filled or with the error, on another thread. Reads of
  // concurrent calls share one statement.
  void GetSegment(const server::CallContext& call, const v1::GetSegmentRequest& request,
                  v1::Segment* segment, server::Done done);
  absl::Status ListSegments(const server::CallContext& call,
                            const v1::ListSegmentsRequest& request,
                            v1::ListSegmentsResponse* response);
  absl::Status UpdateSegment(const server::CallContext& call,
                             const v1::UpdateSegmentRequest& request, v1::Segment* segment);
  absl::Status DeleteSegment(const server::CallContext& call,
                             const v1::DeleteSegmentRequest& request);

 private:
  absl::Time Now() const;

  db::ConnectionPool& pool_;
  db::ListReads& list_reads_;
  const eventlog::EventLog& events_;
  SegmentCache& cache_;
  const Clock clock_;
  // GetSegment's reads: the concurrent calls' segments are read in one statement.
  db::ReadCoalescer<SegmentKey, Stored<v1::Segment>> segment_reader_;
};

}  // namespace throughline::segment
