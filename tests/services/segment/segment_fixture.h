// A real segment service for integration tests: a throwaway database, SegmentServer on port 0,
// a gRPC stub over an insecure channel, a few tokens, and helpers that keep the tests about
// behaviour rather than plumbing.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "libs/auth/auth.h"
#include "libs/errors/errors.h"
#include "libs/server/service_flags.h"
#include "services/segment/segment_server.h"
#include "tests/support/test_database.h"
#include "throughline/segment/v1/events.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::segment::testing {

namespace v1 = ::throughline::segment::v1;
using ::io::cloudevents::v1::CloudEvent;
using ::throughline::type::v1::Importance;
using ::throughline::type::v1::Need;

inline constexpr char kAcme[] = "organizations/acme";
inline constexpr char kGlobex[] = "organizations/globex";

inline constexpr char kAcmeAdmin[] = "acme-admin-token";
inline constexpr char kAcmeEditor[] = "acme-editor-token";
inline constexpr char kAcmeViewer[] = "acme-viewer-token";
inline constexpr char kAcmeOwner[] = "acme-owner-token";
inline constexpr char kGlobexEditor[] = "globex-editor-token";

inline constexpr absl::Duration kCallTimeout = absl::Seconds(10);

// A client context carrying "authorization: Bearer <token>" (none when `token` is empty) and a
// deadline.
inline std::unique_ptr<grpc::ClientContext> Authorized(std::string_view token,
                                                       absl::Duration timeout = kCallTimeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty())
    context->AddMetadata("authorization", absl::StrCat("Bearer ", std::string(token)));
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

// The field paths of the BadRequest violations of an error, in order.
inline std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  const google::rpc::Status decoded = errors::DecodeDetails(status);
  for (const auto& detail : decoded.details()) {
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) {
        fields.push_back(violation.field());
      }
    }
  }
  return fields;
}

// The ErrorInfo reason of an error, or "" without one.
inline std::string ErrorReason(const grpc::Status& status) {
  const google::rpc::Status decoded = errors::DecodeDetails(status);
  for (const auto& detail : decoded.details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

inline std::string Describe(const grpc::Status& status) {
  return absl::StrCat("code ", status.error_code(), ": ", status.error_message());
}

inline Need MakeNeed(std::string dimension, Importance importance, std::string note = "") {
  Need need;
  need.set_dimension(std::move(dimension));
  need.set_importance(importance);
  need.set_note(std::move(note));
  return need;
}

// A valid market; tests change what they are about.
inline v1::Market SampleMarket(std::string display_name = "Cloud databases") {
  v1::Market market;
  market.set_display_name(std::move(display_name));
  market.set_decision(v1::Market::COMPETE);
  market.set_rationale("Managed databases are where our operators' know-how pays off.");
  market.add_evidence_notes("2025 survey: 40% of DBAs run PostgreSQL themselves");
  return market;
}

// A valid segment: DIY power users of the reference scenario.
inline v1::Segment SampleSegment(std::string display_name = "DIY power users") {
  v1::Segment segment;
  segment.set_display_name(std::move(display_name));
  segment.set_description("Teams that run and tune their own databases.");
  *segment.add_needs() = MakeNeed("configurability", type::v1::CRITICAL, "They tune everything.");
  *segment.add_needs() = MakeNeed("operational_transparency", type::v1::HIGH);
  segment.set_targeting(v1::Segment::TARGETED);
  segment.set_priority(1);
  return segment;
}

inline std::string AttributeString(const CloudEvent& event, const std::string& key) {
  auto it = event.attributes().find(key);
  return it == event.attributes().end() ? "" : it->second.ce_string();
}

inline std::string Subject(const CloudEvent& event) { return AttributeString(event, "subject"); }

inline int64_t Revision(const CloudEvent& event) {
  return std::stoll(AttributeString(event, "revision"));
}

inline v1::SegmentEventData SegmentData(const CloudEvent& event) {
  v1::SegmentEventData data;
  EXPECT_TRUE(event.proto_data().UnpackTo(&data)) << event.ShortDebugString();
  return data;
}

inline v1::MarketEventData MarketData(const CloudEvent& event) {
  v1::MarketEventData data;
  EXPECT_TRUE(event.proto_data().UnpackTo(&data)) << event.ShortDebugString();
  return data;
}

// What a call returned: its status and, when OK, its response.
template <typename Response>
struct Result {
  grpc::Status status;
  Response value;

  bool ok() const { return status.ok(); }
  grpc::StatusCode code() const { return status.error_code(); }
};

// The events of one Watch stream, and how it ended.
struct Events {
  std::vector<v1::WatchSegmentEventsResponse> responses;
  grpc::Status status;

  std::vector<std::string> Types() const {
    std::vector<std::string> types;
    for (const auto& response : responses) types.push_back(response.event().type());
    return types;
  }
  std::vector<std::string> Subjects() const {
    std::vector<std::string> subjects;
    for (const auto& response : responses) subjects.push_back(Subject(response.event()));
    return subjects;
  }
  std::string LastCursor(std::string otherwise = "") const {
    return responses.empty() ? otherwise : responses.back().cursor();
  }
};

// Each test gets its own database and its own server.
class SegmentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = throughline::testing::TestDatabase::Create();
    server::ServiceFlags flags;
    flags.listen = "127.0.0.1:0";
    flags.admin_listen = "";
    flags.database_url = database_->url();
    flags.shutdown_grace_seconds = 1;
    auth::TokenAuthenticator tokens;
    tokens.Add(kAcmeAdmin, {"acme", "ada@acme.example", auth::Role::kAdmin});
    tokens.Add(kAcmeEditor, {"acme", "erin@acme.example", auth::Role::kEditor});
    tokens.Add(kAcmeViewer, {"acme", "vic@acme.example", auth::Role::kViewer});
    tokens.Add(kAcmeOwner, {"acme", "olga@acme.example", auth::Role::kOwner});
    tokens.Add(kGlobexEditor, {"globex", "gus@globex.example", auth::Role::kEditor});
    auto server = SegmentServer::Start(flags, std::move(tokens));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::SegmentService::NewStub(channel_);
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    server_.reset();
    database_.reset();
  }

  v1::SegmentService::Stub& stub() { return *stub_; }
  SegmentServer& server() { return *server_; }
  std::string database_url() const { return database_->url(); }
  const std::shared_ptr<grpc::Channel>& channel() { return channel_; }

  // ------------------------------------------------------------------------------ markets

  Result<v1::Market> CreateMarket(std::string_view token, const std::string& parent,
                                  const std::string& market_id, const v1::Market& market,
                                  const std::string& request_id = "") {
    v1::CreateMarketRequest request;
    request.set_parent(parent);
    request.set_market_id(market_id);
    *request.mutable_market() = market;
    request.set_request_id(request_id);
    return Call(token, &v1::SegmentService::Stub::CreateMarket, request);
  }

  Result<v1::Market> GetMarket(std::string_view token, const std::string& name) {
    v1::GetMarketRequest request;
    request.set_name(name);
    return Call(token, &v1::SegmentService::Stub::GetMarket, request);
  }

  Result<v1::Market> UpdateMarket(std::string_view token, const v1::Market& market,
                                  std::vector<std::string> paths) {
    v1::UpdateMarketRequest request;
    *request.mutable_market() = market;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return Call(token, &v1::SegmentService::Stub::UpdateMarket, request);
  }

  grpc::Status DeleteMarket(std::string_view token, const std::string& name,
                            const std::string& etag = "", bool force = false) {
    v1::DeleteMarketRequest request;
    request.set_name(name);
    request.set_etag(etag);
    request.set_force(force);
    return Call(token, &v1::SegmentService::Stub::DeleteMarket, request).status;
  }

  Result<v1::ListMarketsResponse> ListMarkets(std::string_view token, const std::string& parent,
                                              int page_size = 0, const std::string& page_token = "",
                                              const std::string& filter = "") {
    v1::ListMarketsRequest request;
    request.set_parent(parent);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    request.set_filter(filter);
    return Call(token, &v1::SegmentService::Stub::ListMarkets, request);
  }

  // Creates a market as the acme editor, failing the test when it cannot.
  v1::Market MustCreateMarket(const std::string& market_id,
                              const v1::Market& market = SampleMarket(),
                              const std::string& parent = kAcme,
                              std::string_view token = kAcmeEditor) {
    auto created = CreateMarket(token, parent, market_id, market);
    EXPECT_TRUE(created.ok()) << Describe(created.status);
    return created.value;
  }

  // Every market of `parent`, following next_page_token.
  std::vector<v1::Market> AllMarkets(std::string_view token = kAcmeViewer,
                                     const std::string& parent = kAcme) {
    std::vector<v1::Market> markets;
    std::string page_token;
    do {
      auto page = ListMarkets(token, parent, 100, page_token);
      EXPECT_TRUE(page.ok()) << Describe(page.status);
      if (!page.ok()) break;
      for (const auto& market : page.value.markets()) markets.push_back(market);
      page_token = page.value.next_page_token();
    } while (!page_token.empty());
    return markets;
  }

  // ----------------------------------------------------------------------------- segments

  Result<v1::Segment> CreateSegment(std::string_view token, const std::string& parent,
                                    const std::string& segment_id, const v1::Segment& segment,
                                    const std::string& request_id = "") {
    v1::CreateSegmentRequest request;
    request.set_parent(parent);
    request.set_segment_id(segment_id);
    *request.mutable_segment() = segment;
    request.set_request_id(request_id);
    return Call(token, &v1::SegmentService::Stub::CreateSegment, request);
  }

  Result<v1::Segment> GetSegment(std::string_view token, const std::string& name) {
    v1::GetSegmentRequest request;
    request.set_name(name);
    return Call(token, &v1::SegmentService::Stub::GetSegment, request);
  }

  Result<v1::Segment> UpdateSegment(std::string_view token, const v1::Segment& segment,
                                    std::vector<std::string> paths) {
    v1::UpdateSegmentRequest request;
    *request.mutable_segment() = segment;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return Call(token, &v1::SegmentService::Stub::UpdateSegment, request);
  }

  grpc::Status DeleteSegment(std::string_view token, const std::string& name,
                             const std::string& etag = "") {
    v1::DeleteSegmentRequest request;
    request.set_name(name);
    request.set_etag(etag);
    return Call(token, &v1::SegmentService::Stub::DeleteSegment, request).status;
  }

  Result<v1::ListSegmentsResponse> ListSegments(std::string_view token, const std::string& parent,
                                                int page_size = 0,
                                                const std::string& page_token = "",
                                                const std::string& filter = "") {
    v1::ListSegmentsRequest request;
    request.set_parent(parent);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    request.set_filter(filter);
    return Call(token, &v1::SegmentService::Stub::ListSegments, request);
  }

  v1::Segment MustCreateSegment(const std::string& market, const std::string& segment_id,
                                const v1::Segment& segment = SampleSegment(),
                                std::string_view token = kAcmeEditor) {
    auto created = CreateSegment(token, market, segment_id, segment);
    EXPECT_TRUE(created.ok()) << Describe(created.status);
    return created.value;
  }

  // Every segment under `parent` matching `filter`, following next_page_token.
  std::vector<v1::Segment> AllSegments(const std::string& parent = "organizations/acme/markets/-",
                                       const std::string& filter = "", int page_size = 100,
                                       std::string_view token = kAcmeViewer) {
    std::vector<v1::Segment> segments;
    std::string page_token;
    do {
      auto page = ListSegments(token, parent, page_size, page_token, filter);
      EXPECT_TRUE(page.ok()) << Describe(page.status);
      if (!page.ok()) break;
      for (const auto& segment : page.value.segments()) segments.push_back(segment);
      page_token = page.value.next_page_token();
    } while (!page_token.empty());
    return segments;
  }

  // ------------------------------------------------------------------------------- events

  // Reads events after `after_cursor` until `until` holds for one (included in the result),
  // the stream ends, or `timeout` passes (the stream then ends with DEADLINE_EXCEEDED).
  template <typename Predicate>
  Events ReadEventsUntil(const std::string& after_cursor, Predicate until,
                         std::string_view token = kAcmeViewer, const std::string& parent = kAcme,
                         const std::string& filter = "",
                         absl::Duration timeout = absl::Seconds(10)) {
    Events events;
    auto context = Authorized(token, timeout);
    v1::WatchSegmentEventsRequest request;
    request.set_parent(parent);
    request.set_after_cursor(after_cursor);
    request.set_filter(filter);
    auto reader = stub_->WatchSegmentEvents(context.get(), request);
    v1::WatchSegmentEventsResponse response;
    while (reader->Read(&response)) {
      events.responses.push_back(response);
      if (until(response)) {
        context->TryCancel();
        break;
      }
    }
    events.status = reader->Finish();
    return events;
  }

  // Reads exactly `count` events after `after_cursor` (fewer when `timeout` passes first).
  Events ReadEvents(const std::string& after_cursor, size_t count,
                    std::string_view token = kAcmeViewer, const std::string& parent = kAcme,
                    const std::string& filter = "", absl::Duration timeout = absl::Seconds(10)) {
    size_t seen = 0;
    return ReadEventsUntil(
        after_cursor, [&](const auto&) { return ++seen >= count; }, token, parent, filter, timeout);
  }

  // The event stream of acme after `after_cursor`, up to and including the event of a new
  // marker market created now. With it a test sees what was emitted before the marker without
  // waiting for "no more events".
  Events EventsUpToNewMarker(const std::string& after_cursor) {
    const std::string marker_id = absl::StrCat("marker-", ++markers_);
    const v1::Market marker = MustCreateMarket(marker_id, SampleMarket("Marker"));
    Events events = ReadEventsUntil(after_cursor, [&](const v1::WatchSegmentEventsResponse& r) {
      return Subject(r.event()) == marker.name();
    });
    EXPECT_FALSE(events.responses.empty());
    if (!events.responses.empty()) {
      EXPECT_EQ(Subject(events.responses.back().event()), marker.name())
          << "the marker event never arrived: " << Describe(events.status);
    }
    return events;
  }

  // Expects that acme's log holds no event after `after_cursor` (other than a marker created
  // to prove it). Returns the cursor after the marker.
  std::string ExpectNoEventsSince(const std::string& after_cursor) {
    Events events = EventsUpToNewMarker(after_cursor);
    EXPECT_EQ(events.responses.size(), 1u)
        << "unexpected events: " << ::testing::PrintToString(events.Types());
    return events.LastCursor(after_cursor);
  }

  // The cursor after every event acme has so far (found with a marker).
  std::string CurrentCursor() { return EventsUpToNewMarker("").LastCursor(); }

 private:
  template <typename Request, typename Response>
  using Method = grpc::Status (v1::SegmentService::Stub::*)(grpc::ClientContext*, const Request&,
                                                            Response*);

  template <typename Request, typename Response>
  Result<Response> Call(std::string_view token, Method<Request, Response> method,
                        const Request& request) {
    Result<Response> result;
    auto context = Authorized(token);
    result.status = (stub_.get()->*method)(context.get(), request, &result.value);
    return result;
  }

  std::unique_ptr<throughline::testing::TestDatabase> database_;
  std::unique_ptr<SegmentServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SegmentService::Stub> stub_;
  int markers_ = 0;
};

}  // namespace throughline::segment::testing
