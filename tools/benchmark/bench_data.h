// The data every benchmark scenario shares: the organization, its tokens and the segment the
// reads and writes work on. The echo server answers with the same segment, so that the echo
// baseline sends and receives the same bytes as the real service.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "throughline/segment/v1/resources.pb.h"

namespace throughline::benchmark {

inline constexpr char kOrganizationId[] = "bench";
inline constexpr char kOrganization[] = "organizations/bench";
inline constexpr char kMarketId[] = "bench-market";
// An admin of the organization; tools/bench puts it in the tokens file.
inline constexpr char kDefaultToken[] = "bench-admin-token";

inline std::string MarketName() { return absl::StrCat(kOrganization, "/markets/", kMarketId); }

inline std::string SegmentId(int index) { return absl::StrCat("s-", index); }

inline std::string SegmentName(int index) {
  return absl::StrCat(MarketName(), "/segments/", SegmentId(index));
}

// The i-th bulk-loaded segment, from 0 (tools/bench, scenario list: bulk-1 .. bulk-N).
inline std::string BulkSegmentName(int index) {
  return absl::StrCat(MarketName(), "/segments/bulk-", index + 1);
}

// The owner of the i-th group of bulk-loaded tasks (tools/bench, scenario list).
inline std::string BulkOwner(int index) { return absl::StrCat("owner-", index, "@bench.example"); }

// A segment as its creator writes it: four needs, targeted.
inline segment::v1::Segment BenchSegment() {
  segment::v1::Segment segment;
  segment.set_display_name("DIY power users");
  segment.set_description("Advanced users who prefer strong DIY configurability.");
  const auto add_need = [&](const char* dimension, type::v1::Importance importance) {
    auto* need = segment.add_needs();
    need->set_dimension(dimension);
    need->set_importance(importance);
  };
  add_need("configurability", type::v1::CRITICAL);
  add_need("operational_transparency", type::v1::HIGH);
  add_need("replication_and_failover_control", type::v1::CRITICAL);
  add_need("tuning", type::v1::HIGH);
  segment.set_targeting(segment::v1::Segment::TARGETED);
  segment.set_priority(1);
  return segment;
}

}  // namespace throughline::benchmark
