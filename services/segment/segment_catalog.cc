#include "services/segment/segment_catalog.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "libs/api/changes.h"
#include "libs/api/etag.h"
#include "libs/api/field_mask.h"
#include "libs/api/page_token.h"
#include "libs/api/resource_name.h"
#include "libs/api/resources.h"
#include "libs/api/uuid.h"
#include "libs/auth/auth.h"
#include "libs/db/idempotency.h"
#include "libs/db/transaction.h"
#include "libs/eventlog/payloads.h"
#include "libs/server/authorize.h"
#include "services/segment/segment_store.h"
#include "throughline/segment/v1/events.pb.h"
#include "services/segment/segment_validation.h"

namespace throughline::segment {
namespace {

using api::ClearOutputOnly;
using api::FilterValues;
using api::ToTimestamp;
using auth::Access;
using eventlog::ChangedPayload;
using eventlog::CreatedPayload;
using eventlog::DeletedPayload;
using server::AuthorizedFilterName;
using server::AuthorizedName;

const std::vector<std::string> kMarketUpdatable = {"display_name", "decision", "rationale",
                                                   "evidence_notes"};
const std::vector<std::string> kSegmentUpdatable = {"display_name", "description", "needs",
                                                    "targeting", "priority"};

absl::BitGenRef Random() {
  thread_local absl::BitGen generator;
  return generator;
}

std::string MarketName(const std::string& organization, const std::string& market) {
  return absl::StrCat("organizations/", organization, "/markets/", market);
}

std::string SegmentName(const std::string& organization, const std::string& market,
                        const std::string& segment) {
  return absl::StrCat(MarketName(organization, market), "/segments/", segment);
}

}  // namespace

SegmentCatalog::SegmentCatalog(db::ConnectionPool& pool, db::ListReads& list_reads,
                               const eventlog::EventLog& events, SegmentCache& cache, Clock clock)
    : pool_(pool),
      list_reads_(list_reads),
      events_(events),
      cache_(cache),
      clock_(std::move(clock)),
      segment_reader_(pool, &SegmentStore::FindSegments, {.readers = 2, .max_batch = 64}) {}

absl::Time SegmentCatalog::Now() const { return clock_(); }

// ---------------------------------------------------------------------------------- markets

absl::Status SegmentCatalog::CreateMarket(const server::CallContext& call,
                                          const v1::CreateMarketRequest& request,
                                          v1::Market* market) {
  auto parent = AuthorizedName(call, "organizations/{organization}", request.parent(), "parent",
                               Access::kWrite);
  if (!parent.ok()) return parent.status();
  const std::string& organization = (*parent)[0];
  errors::Violations violations;
  auto market_id = api::NewResourceId(request.market_id(), "market_id", Random());
  if (!market_id.ok()) return market_id.status();
  if (!request.has_market()) {
    violations.Add("market", "market is required");
  } else {
    ValidateMarket(request.market(), "market", violations);
  }
  if (request.request_id().size() > 100) {
    violations.Add("request_id", "request_id is longer than 100 characters");
  }
  if (!violations.empty()) return violations.ToStatus();

  const db::IdempotencyKey key{organization, "CreateMarket", request.request_id()};
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, market, [&]() -> absl::Status {
      *market = request.market();
      ClearOutputOnly(*market);
      const absl::Time now = Now();
      market->set_name(MarketName(organization, *market_id));
      market->set_uid(api::NewUuid(Random()));
      *market->mutable_create_time() = ToTimestamp(now);
      *market->mutable_update_time() = ToTimestamp(now);
      market->set_etag(api::MakeEtag(market->uid(), 1));
      if (!SegmentStore::InsertMarket(tx, organization, *market_id, 1, *market)) {
        return errors::AlreadyExists("market", market->name());
      }
      events_.Append(tx, organization, kMarketCreated, market->name(), 1,
                     CreatedPayload<v1::MarketEventData>(*market),
                     now, Random());
      return absl::OkStatus();
    });
  });
}

absl::Status SegmentCatalog::GetMarket(const server::CallContext& call,
                                       const v1::GetMarketRequest& request, v1::Market* market) {
  auto ids = AuthorizedName(call, kMarketPattern, request.name(), "name", Access::kRead);
  if (!ids.ok()) return ids.status();
  return db::RunRead(pool_, call.deadline, [&](pqxx::transaction_base& tx) -> absl::Status {
    auto stored = SegmentStore::FindMarket(tx, (*ids)[0], (*ids)[1], /*for_update=*/false);
    if (!stored) return errors::NotFound("market", request.name());
    *market = std::move(stored->resource);
    return absl::OkStatus();
  });
}

absl::Status SegmentCatalog::ListMarkets(const server::CallContext& call,
                                         const v1::ListMarketsRequest& request,
                                         v1::ListMarketsResponse* response) {
  auto parent = AuthorizedName(call, "organizations/{organization}", request.parent(), "parent",
                               Access::kRead);
  if (!parent.ok()) return parent.status();
  auto page = api::StartPage(request.page_size(), request.page_token(),
                             {request.parent(), request.filter()}, Now());
  if (!page.ok()) return page.status();
  auto filter = FilterValues(request.filter(), {"decision"});
  if (!filter.ok()) return filter.status();
  std::string decision = (*filter)["decision"];
  if (!decision.empty()) {
    v1::Market::Decision parsed;
    if (!v1::Market::Decision_Parse(decision, &parsed) ||
        parsed == v1::Market::DECISION_UNSPECIFIED) {
      return errors::InvalidField("filter", absl::StrCat("decision \"", decision,
                                                         "\" is not COMPETE, WATCH or EXIT"));
    }
  }
  return list_reads_.Run(call.deadline, [&](pqxx::transaction_base& tx) {
    response->Clear();
    auto rows =
        SegmentStore::ListMarkets(tx, (*parent)[0], decision, page->last_key, page->limit());
    response->set_next_page_token(
        api::FinishPage(*page, std::move(rows), Now(),
                        [&](v1::Market market) { *response->add_markets() = std::move(market); }));
    return absl::OkStatus();
  });
}

absl::Status SegmentCatalog::UpdateMarket(const server::CallContext& call,
                                          const v1::UpdateMarketRequest& request,
                                          v1::Market* market) {
  auto ids = AuthorizedName(call, kMarketPattern, request.market().name(), "market.name",
                            Access::kWrite);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kMarketUpdatable);
  if (!paths.ok()) return paths.status();
  const std::string& organization = (*ids)[0];
  const std::string& market_id = (*ids)[1];
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = SegmentStore::FindMarket(tx, organization, market_id, /*for_update=*/true);
    if (!stored) return errors::NotFound("market", request.market().name());
    const v1::Market& before = stored->resource;
    if (auto etag = api::CheckEtag(request.market().etag(), before.etag(), before.name());
        !etag.ok()) {
      return etag;
    }
    v1::Market after = before;
    api::ApplyUpdate(request.market(), *paths, &after);
    errors::Violations violations;
    ValidateMarket(after, "market", violations);
    if (!violations.empty()) return violations.ToStatus();
    std::vector<std::string> changed = api::ChangedPaths(before, after, kMarketUpdatable);
    if (changed.empty()) {
      *market = before;
      return absl::OkStatus();
    }
    const int64_t version = stored->version + 1;
    const absl::Time now = Now();
    *after.mutable_update_time() = ToTimestamp(now);
    after.set_etag(api::MakeEtag(after.uid(), version));
    SegmentStore::UpdateMarket(tx, organization, market_id, version, after);
    events_.Append(tx, organization, kMarketChanged, after.name(), version,
                   ChangedPayload<v1::MarketEventData>(before, after, std::move(changed)), now,
                   Random());
    *market = std::move(after);
    return absl::OkStatus();
  });
}

absl::Status SegmentCatalog::DeleteMarket(const server::CallContext& call,
                                          const v1::DeleteMarketRequest& request) {
  auto ids = AuthorizedName(call, kMarketPattern, request.name(), "name", Access::kWrite);
  if (!ids.ok()) return ids.status();
  const std::string& organization = (*ids)[0];
  const std::string& market_id = (*ids)[1];
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = SegmentStore::FindMarket(tx, organization, market_id, /*for_update=*/true);
    if (!stored) return errors::NotFound("market", request.name());
    const v1::Market& market = stored->resource;
    if (auto etag = api::CheckEtag(request.etag(), market.etag(), market.name()); !etag.ok()) {
      return etag;
    }
    const auto segments = SegmentStore::LockSegmentsOfMarket(tx, organization, market_id);
    if (!segments.empty() && !request.force()) {
      return errors::FailedPrecondition(
          "MARKET_HAS_SEGMENTS", market.name(),
          absl::StrCat("market has ", segments.size(),
                       " segment(s); delete them first or set force to delete them too"));
    }
    const absl::Time now = Now();
    for (const auto& segment : segments) {
      SegmentStore::DeleteSegment(tx, organization, market_id,
                                  segment.resource.name().substr(
                                      segment.resource.name().rfind('/') + 1));
      events_.Append(tx, organization, kSegmentDeleted, segment.resource.name(),
                     segment.resource.revision(),
                     DeletedPayload<v1::SegmentEventData>(segment.resource),
                     now, Random());
    }
    SegmentStore::DeleteMarket(tx, organization, market_id);
    events_.Append(tx, organization, kMarketDeleted, market.name(), 0,
                   DeletedPayload<v1::MarketEventData>(market), now,
                   Random());
    return absl::OkStatus();
  });
}

// --------------------------------------------------------------------------------- segments

absl::Status SegmentCatalog::CreateSegment(const server::CallContext& call,
                                           const v1::CreateSegmentRequest& request,
                                           v1::Segment* segment) {
  auto parent = AuthorizedName(call, kMarketPattern, request.parent(), "parent", Access::kWrite);
  if (!parent.ok()) return parent.status();
  const std::string& organization = (*parent)[0];
  const std::string& market_id = (*parent)[1];
  errors::Violations violations;
  auto segment_id = api::NewResourceId(request.segment_id(), "segment_id", Random());
  if (!segment_id.ok()) return segment_id.status();
  if (!request.has_segment()) {
    violations.Add("segment", "segment is required");
  } else {
    ValidateSegment(request.segment(), "segment", violations);
  }
  if (request.request_id().size() > 100) {
    violations.Add("request_id", "request_id is longer than 100 characters");
  }
  if (!violations.empty()) return violations.ToStatus();

  const db::IdempotencyKey key{organization, "CreateSegment", request.request_id()};
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) {
    return db::RunIdempotent(tx, key, request, segment, [&]() -> absl::Status {
      // Lock the market so that a concurrent delete cannot orphan the new segment.
      if (!SegmentStore::FindMarket(tx, organization, market_id, /*for_update=*/true)) {
        return errors::NotFound("market", request.parent());
      }
      *segment = request.segment();
      ClearOutputOnly(*segment);
      const absl::Time now = Now();
      segment->set_name(SegmentName(organization, market_id, *segment_id));
      segment->set_uid(api::NewUuid(Random()));
      segment->set_revision(1);
      *segment->mutable_create_time() = ToTimestamp(now);
      *segment->mutable_update_time() = ToTimestamp(now);
      segment->set_etag(api::MakeEtag(segment->uid(), 1));
      if (!SegmentStore::InsertSegment(tx, organization, market_id, *segment_id, *segment)) {
        return errors::AlreadyExists("segment", segment->name());
      }
      events_.Append(tx, organization, kSegmentCreated, segment->name(), 1,
                     CreatedPayload<v1::SegmentEventData>(*segment),
                     now, Random());
      return absl::OkStatus();
    });
  });
}

void SegmentCatalog::GetSegment(const server::CallContext& call,
                                const v1::GetSegmentRequest& request, v1::Segment* segment,
                                server::Done done) {
  auto ids = AuthorizedName(call, kSegmentPattern, request.name(), "name", Access::kRead);
  if (!ids.ok()) return done(ids.status());
  SegmentKey key{(*ids)[0], (*ids)[1], (*ids)[2]};
  if (cache_.Find(key, segment)) return done(absl::OkStatus());
  auto answer = [this, &request, segment, done, key, ticket = cache_.StartRead()](
                    absl::StatusOr<std::optional<Stored<v1::Segment>>> stored) {
    if (!stored.ok()) return done(stored.status());
    if (!stored->has_value()) return done(errors::NotFound("segment", request.name()));
    cache_.Add(key, (*stored)->resource, ticket);
    *segment = std::move((*stored)->resource);
    done(absl::OkStatus());
  };
  if (!segment_reader_.ReadAsync(std::move(key), call.deadline, std::move(answer))) {
    done(server::Overloaded());
  }
}

absl::Status SegmentCatalog::ListSegments(const server::CallContext& call,
                                          const v1::ListSegmentsRequest& request,
                                          v1::ListSegmentsResponse* response) {
  auto parent = AuthorizedName(call, kMarketPattern, request.parent(), "parent", Access::kRead,
                               /*allow_wildcard=*/true);
  if (!parent.ok()) return parent.status();
  auto page = api::StartPage(request.page_size(), request.page_token(),
                             {request.parent(), request.filter()}, Now());
  if (!page.ok()) return page.status();
  auto filter = FilterValues(request.filter(), {"targeting", "market"});
  if (!filter.ok()) return filter.status();

  SegmentQuery query;
  query.organization = (*parent)[0];
  query.market_id = (*parent)[1] == "-" ? "" : (*parent)[1];
  query.after_key = page->last_key;
  query.limit = page->limit();
  if (const std::string& targeting = (*filter)["targeting"]; !targeting.empty()) {
    v1::Segment::Targeting parsed;
    if (!v1::Segment::Targeting_Parse(targeting, &parsed) ||
        parsed == v1::Segment::TARGETING_UNSPECIFIED) {
      return errors::InvalidField(
          "filter", absl::StrCat("targeting \"", targeting,
                                 "\" is not TARGETED, CANDIDATE or DEPRIORITIZED"));
    }
    query.targeting = targeting;
  }
  if (const std::string& market = (*filter)["market"]; !market.empty()) {
    auto market_ids =
        AuthorizedFilterName(call, kMarketPattern, market, *parent, request.parent(), "market ");
    if (!market_ids.ok()) return market_ids.status();
    query.market_id = (*market_ids)[1];
  }
  return list_reads_.Run(call.deadline, [&](pqxx::transaction_base& tx) {
    response->Clear();
    response->set_next_page_token(api::FinishPage(
        *page, SegmentStore::ListSegments(tx, query), Now(),
        [&](v1::Segment segment) { *response->add_segments() = std::move(segment); }));
    return absl::OkStatus();
  });
}

absl::Status SegmentCatalog::UpdateSegment(const server::CallContext& call,
                                           const v1::UpdateSegmentRequest& request,
                                           v1::Segment* segment) {
  auto ids = AuthorizedName(call, kSegmentPattern, request.segment().name(), "segment.name",
                            Access::kWrite);
  if (!ids.ok()) return ids.status();
  auto paths = api::ResolveUpdateMask(request.update_mask(), kSegmentUpdatable);
  if (!paths.ok()) return paths.status();
  const std::string& organization = (*ids)[0];
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = SegmentStore::LockSegment(tx, organization, (*ids)[1], (*ids)[2]);
    if (!stored) return errors::NotFound("segment", request.segment().name());
    const v1::Segment& before = stored->resource;
    if (auto etag = api::CheckEtag(request.segment().etag(), before.etag(), before.name());
        !etag.ok()) {
      return etag;
    }
    v1::Segment after = before;
    api::ApplyUpdate(request.segment(), *paths, &after);
    errors::Violations violations;
    ValidateSegment(after, "segment", violations);
    if (!violations.empty()) return violations.ToStatus();
    std::vector<std::string> changed = api::ChangedPaths(before, after, kSegmentUpdatable);
    if (changed.empty()) {
      *segment = before;
      return absl::OkStatus();
    }
    const absl::Time now = Now();
    after.set_revision(before.revision() + 1);
    *after.mutable_update_time() = ToTimestamp(now);
    after.set_etag(api::MakeEtag(after.uid(), after.revision()));
    SegmentStore::UpdateSegment(tx, organization, (*ids)[1], (*ids)[2], after);
    events_.Append(tx, organization, kSegmentChanged, after.name(), after.revision(),
                   ChangedPayload<v1::SegmentEventData>(before, after, std::move(changed)), now,
                   Random());
    *segment = std::move(after);
    return absl::OkStatus();
  });
}

absl::Status SegmentCatalog::DeleteSegment(const server::CallContext& call,
                                           const v1::DeleteSegmentRequest& request) {
  auto ids = AuthorizedName(call, kSegmentPattern, request.name(), "name", Access::kWrite);
  if (!ids.ok()) return ids.status();
  const std::string& organization = (*ids)[0];
  return events_.RunTransaction(pool_, call.deadline, [&](pqxx::work& tx) -> absl::Status {
    auto stored = SegmentStore::LockSegment(tx, organization, (*ids)[1], (*ids)[2]);
    if (!stored) return errors::NotFound("segment", request.name());
    const v1::Segment& segment = stored->resource;
    if (auto etag = api::CheckEtag(request.etag(), segment.etag(), segment.name()); !etag.ok()) {
      return etag;
    }
    SegmentStore::DeleteSegment(tx, organization, (*ids)[1], (*ids)[2]);
    events_.Append(tx, organization, kSegmentDeleted, segment.name(), segment.revision(),
                   DeletedPayload<v1::SegmentEventData>(segment),
                   Now(), Random());
    return absl::OkStatus();
  });
}

}  // namespace throughline::segment
