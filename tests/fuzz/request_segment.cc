// The segment service's RPCs (services/segment/segment_catalog.cc).
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "libs/api/changes.h"
#include "libs/api/field_mask.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"
#include "libs/server/authorize.h"
#include "request_fuzzer.h"
#include "services/segment/segment_validation.h"
#include "throughline/segment/v1/segment_service.pb.h"

namespace throughline::fuzz {
namespace {

namespace v1 = segment::v1;
using auth::Access;
using server::AuthorizedName;
using server::CallContext;

constexpr char kOrganizationPattern[] = "organizations/{organization}";
constexpr char kMarketPattern[] = "organizations/{organization}/markets/{market}";
constexpr char kSegmentPattern[] =
    "organizations/{organization}/markets/{market}/segments/{segment}";
const std::vector<std::string> kMarketUpdatable = {"display_name", "decision", "rationale",
                                                   "evidence_notes"};
const std::vector<std::string> kSegmentUpdatable = {"display_name", "description", "needs",
                                                    "targeting", "priority"};

absl::BitGenRef Random() {
  thread_local absl::BitGen generator;
  return generator;
}

v1::Market StoredMarket() {
  v1::Market market;
  market.set_name("organizations/acme/markets/cloud-databases");
  market.set_display_name("Cloud databases");
  market.set_decision(v1::Market::COMPETE);
  market.set_rationale("Managed database spend grows fast");
  return market;
}

v1::Segment StoredSegment() {
  v1::Segment segment;
  segment.set_name("organizations/acme/markets/cloud-databases/segments/diy-power-users");
  segment.set_display_name("DIY power users");
  segment.set_targeting(v1::Segment::TARGETED);
  auto* need = segment.add_needs();
  need->set_dimension("configurability");
  need->set_importance(type::v1::CRITICAL);
  segment.set_revision(1);
  return segment;
}

absl::Status CreateMarket(const CallContext& call, const v1::CreateMarketRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kWrite);
  if (!parent.ok()) return parent.status();
  auto market_id = api::NewResourceId(request.market_id(), "market_id", Random());
  if (!market_id.ok()) return market_id.status();
  errors::Violations violations;
  if (!request.has_market()) {
    violations.Add("market", "market is required");
  } else {
    segment::ValidateMarket(request.market(), "market", violations);
  }
  if (request.request_id().size() > 100) violations.Add("request_id", "too long");
  return violations.ToStatus();
}

absl::Status ListMarkets(const CallContext& call, const v1::ListMarketsRequest& request) {
  auto parent =
      AuthorizedName(call, kOrganizationPattern, request.parent(), "parent", Access::kRead);
  if (!parent.ok()) return parent.status();
  if (auto size = api::ResolvePageSize(request.page_size()); !size.ok()) return size.status();
  auto filter = api::FilterValues(request.filter(), {"decision"});
  if (!filter.ok()) return filter.status();
  if (const std::string& decision = (*filter)["decision"]; !decision.empty()) {
    v1::Market::Decision parsed;
    if (!v1::Market::Decision_Parse(decision, &parsed) ||
        parsed == v1::Market::DECISION_UNSPECIFIED) {
      return errors::InvalidField("filter", absl::StrCat("decision \"", decision, "\""));
    }
  }
  return CheckPage(0, request.page_token(), {request.parent(), request.filter()});
}

absl::Status UpdateMarket(const CallContext& call, const v1::UpdateMarketRequest& request) {
  auto ids = AuthorizedName(call, kMarketPattern, request.market().name(), "market.name",
                            Access::kWrite);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kMarketUpdatable);
  if (!paths.ok()) return paths.status();
  const v1::Market before = StoredMarket();
  v1::Market after = before;
  api::ApplyUpdate(request.market(), *paths, &after);
  errors::Violations violations;
  segment::ValidateMarket(after, "market", violations);
  if (!violations.empty()) return violations.ToStatus();
  (void)api::ChangedPaths(before, after, kMarketUpdatable);
  return absl::OkStatus();
}

absl::Status CreateSegment(const CallContext& call, const v1::CreateSegmentRequest& request) {
  auto parent = AuthorizedName(call, kMarketPattern, request.parent(), "parent", Access::kWrite);
  if (!parent.ok()) return parent.status();
  auto segment_id = api::NewResourceId(request.segment_id(), "segment_id", Random());
  if (!segment_id.ok()) return segment_id.status();
  errors::Violations violations;
  if (!request.has_segment()) {
    violations.Add("segment", "segment is required");
  } else {
    segment::ValidateSegment(request.segment(), "segment", violations);
  }
  if (request.request_id().size() > 100) violations.Add("request_id", "too long");
  return violations.ToStatus();
}

absl::Status ListSegments(const CallContext& call, const v1::ListSegmentsRequest& request) {
  auto parent = AuthorizedName(call, kMarketPattern, request.parent(), "parent", Access::kRead,
                               /*allow_wildcard=*/true);
  if (!parent.ok()) return parent.status();
  if (auto size = api::ResolvePageSize(request.page_size()); !size.ok()) return size.status();
  auto filter = api::FilterValues(request.filter(), {"targeting", "market"});
  if (!filter.ok()) return filter.status();
  if (const std::string& targeting = (*filter)["targeting"]; !targeting.empty()) {
    v1::Segment::Targeting parsed;
    if (!v1::Segment::Targeting_Parse(targeting, &parsed) ||
        parsed == v1::Segment::TARGETING_UNSPECIFIED) {
      return errors::InvalidField("filter", absl::StrCat("targeting \"", targeting, "\""));
    }
  }
  if (const std::string& market = (*filter)["market"]; !market.empty()) {
    auto market_ids = api::ParseName(kMarketPattern, market, "filter");
    if (!market_ids.ok()) return market_ids.status();
    if (auto allowed = auth::Authorize(call.principal, (*market_ids)[0], Access::kRead);
        !allowed.ok()) {
      return allowed;
    }
  }
  return CheckPage(0, request.page_token(), {request.parent(), request.filter()});
}

absl::Status UpdateSegment(const CallContext& call, const v1::UpdateSegmentRequest& request) {
  auto ids = AuthorizedName(call, kSegmentPattern, request.segment().name(), "segment.name",
                            Access::kWrite);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kSegmentUpdatable);
  if (!paths.ok()) return paths.status();
  const v1::Segment before = StoredSegment();
  v1::Segment after = before;
  api::ApplyUpdate(request.segment(), *paths, &after);
  errors::Violations violations;
  segment::ValidateSegment(after, "segment", violations);
  if (!violations.empty()) return violations.ToStatus();
  (void)api::ChangedPaths(before, after, kSegmentUpdatable);
  return absl::OkStatus();
}

// Get and Delete check the name (and, in the transaction, the etag against the stored one).
template <typename Request>
std::function<absl::Status(const CallContext&, const Request&)> ByName(const char* pattern,
                                                                       Access access) {
  return [pattern, access](const CallContext& call, const Request& request) {
    return AuthorizedName(call, pattern, request.name(), "name", access).status();
  };
}

}  // namespace

std::vector<Rpc> SegmentRpcs() {
  return {
      MakeRpc<v1::CreateMarketRequest>("CreateMarket", CreateMarket),
      MakeRpc<v1::GetMarketRequest>("GetMarket",
                                    ByName<v1::GetMarketRequest>(kMarketPattern, Access::kRead)),
      MakeRpc<v1::ListMarketsRequest>("ListMarkets", ListMarkets),
      MakeRpc<v1::UpdateMarketRequest>("UpdateMarket", UpdateMarket),
      MakeRpc<v1::DeleteMarketRequest>(
          "DeleteMarket", ByName<v1::DeleteMarketRequest>(kMarketPattern, Access::kWrite)),
      MakeRpc<v1::CreateSegmentRequest>("CreateSegment", CreateSegment),
      MakeRpc<v1::GetSegmentRequest>(
          "GetSegment", ByName<v1::GetSegmentRequest>(kSegmentPattern, Access::kRead)),
      MakeRpc<v1::ListSegmentsRequest>("ListSegments", ListSegments),
      MakeRpc<v1::UpdateSegmentRequest>("UpdateSegment", UpdateSegment),
      MakeRpc<v1::DeleteSegmentRequest>(
          "DeleteSegment", ByName<v1::DeleteSegmentRequest>(kSegmentPattern, Access::kWrite)),
      MakeRpc<v1::WatchSegmentEventsRequest>(
          "WatchSegmentEvents",
          [](const CallContext& call, const v1::WatchSegmentEventsRequest& request) {
            return CheckWatch(call, request.parent(), request.after_cursor(), request.filter());
          }),
  };
}

}  // namespace throughline::fuzz
