#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"
#include "throughline/segment/v1/resources.pb.h"

namespace throughline::segment {

// A stored row: the resource, its pagination key and, for markets, the version its etag is
// made from (segments use their revision).
template <typename Resource>
struct Stored {
  int64_t key = 0;
  int64_t version = 0;
  Resource resource;
};

// The identity of a segment in its organization.
struct SegmentKey {
  std::string organization;
  std::string market_id;
  std::string segment_id;
};

// Which segments a List reads. Empty fields match everything.
struct SegmentQuery {
  std::string organization;
  std::string market_id;  // empty: every market
  std::string targeting;  // enum name, e.g. "TARGETED"
  int64_t after_key = 0;
  int limit = 50;
};

// Every SQL statement of the segment service, and the mapping between rows and resources.
// All methods run in the caller's transaction.
class SegmentStore {
 public:
  // Markets.
  // False when (organization, market_id) exists already.
  static bool InsertMarket(pqxx::work& tx, const std::string& organization,
                           const std::string& market_id, int64_t version, const v1::Market& market);
  static std::optional<Stored<v1::Market>> FindMarket(pqxx::transaction_base& tx,
                                                      const std::string& organization,
                                                      const std::string& market_id,
                                                      bool for_update);
  static void UpdateMarket(pqxx::work& tx, const std::string& organization,
                           const std::string& market_id, int64_t version, const v1::Market& market);
  static void DeleteMarket(pqxx::work& tx, const std::string& organization,
                           const std::string& market_id);
  static std::vector<Stored<v1::Market>> ListMarkets(pqxx::transaction_base& tx,
                                                     const std::string& organization,
                                                     const std::string& decision, int64_t after_key,
                                                     int limit);

  // Segments.
  static bool InsertSegment(pqxx::work& tx, const std::string& organization,
                            const std::string& market_id, const std::string& segment_id,
                            const v1::Segment& segment);
  // The segments of `keys`, in their order; std::nullopt for a key without one. One statement
  // for all: GetSegment's concurrent calls are read together (db::ReadCoalescer).
  static std::vector<std::optional<Stored<v1::Segment>>> FindSegments(
      pqxx::transaction_base& tx, const std::vector<SegmentKey>& keys);
  // The segment, locked until the transaction ends.
  static std::optional<Stored<v1::Segment>> LockSegment(pqxx::work& tx,
                                                        const std::string& organization,
                                                        const std::string& market_id,
                                                        const std::string& segment_id);
  static void UpdateSegment(pqxx::work& tx, const std::string& organization,
                            const std::string& market_id, const std::string& segment_id,
                            const v1::Segment& segment);
  static void DeleteSegment(pqxx::work& tx, const std::string& organization,
                            const std::string& market_id, const std::string& segment_id);
  // Locks and returns the segments of a market (for a forced market delete).
  static std::vector<Stored<v1::Segment>> LockSegmentsOfMarket(pqxx::work& tx,
                                                               const std::string& organization,
                                                               const std::string& market_id);
  static std::vector<Stored<v1::Segment>> ListSegments(pqxx::transaction_base& tx,
                                                       const SegmentQuery& query);
};

}  // namespace throughline::segment
