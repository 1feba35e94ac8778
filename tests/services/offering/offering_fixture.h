// A real offering service talking to a real segment service for integration tests: one
// throwaway database (each service keeps its own schema in it), both servers in-process on
// port 0, the offering service holding a service-account token the segment service knows, and
// helpers that keep the tests about behaviour rather than plumbing.
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
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/auth/auth.h"
#include "libs/errors/errors.h"
#include "libs/server/service_flags.h"
#include "services/offering/offering_server.h"
#include "services/segment/segment_server.h"
#include "tests/services/offering/reference_scenario.h"
#include "tests/support/test_database.h"
#include "throughline/offering/v1/events.pb.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::offering::testing {

using ::io::cloudevents::v1::CloudEvent;

inline constexpr char kAcmeEditor[] = "acme-editor-token";
inline constexpr char kAcmeViewer[] = "acme-viewer-token";
inline constexpr char kGlobexEditor[] = "globex-editor-token";
// The offering service's own credentials at the segment service.
inline constexpr char kOfferingServiceToken[] = "offeringd-service-token";

inline constexpr absl::Duration kCallTimeout = absl::Seconds(10);

inline std::unique_ptr<grpc::ClientContext> Authorized(std::string_view token,
                                                       absl::Duration timeout = kCallTimeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty())
    context->AddMetadata("authorization", absl::StrCat("Bearer ", std::string(token)));
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

// The BadRequest field violations of an error, in order.
inline std::vector<google::rpc::BadRequest::FieldViolation> Violations(const grpc::Status& status) {
  std::vector<google::rpc::BadRequest::FieldViolation> violations;
  // Kept in a variable: a range-for over a member of a temporary outlives the temporary.
  const google::rpc::Status decoded = errors::DecodeDetails(status);
  for (const auto& detail : decoded.details()) {
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) violations.push_back(violation);
    }
  }
  return violations;
}

inline std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  for (const auto& violation : Violations(status)) fields.push_back(violation.field());
  return fields;
}

// The description of the violation on `field`, or "" without one.
inline std::string ViolationOn(const grpc::Status& status, const std::string& field) {
  for (const auto& violation : Violations(status)) {
    if (violation.field() == field) return violation.description();
  }
  return "";
}

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

inline std::string AttributeString(const CloudEvent& event, const std::string& key) {
  auto it = event.attributes().find(key);
  return it == event.attributes().end() ? "" : it->second.ce_string();
}

inline std::string Subject(const CloudEvent& event) { return AttributeString(event, "subject"); }

inline v1::OfferingEventData OfferingData(const CloudEvent& event) {
  v1::OfferingEventData data;
  EXPECT_TRUE(event.proto_data().UnpackTo(&data)) << event.ShortDebugString();
  return data;
}

// A report without its evaluation time: what must be equal for equal inputs.
inline v1::CoherenceReport Timeless(v1::CoherenceReport report) {
  report.clear_evaluate_time();
  return report;
}

inline bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

template <typename Response>
struct Result {
  grpc::Status status;
  Response value;

  bool ok() const { return status.ok(); }
  grpc::StatusCode code() const { return status.error_code(); }
};

struct Events {
  std::vector<v1::WatchOfferingEventsResponse> responses;
  grpc::Status status;

  std::vector<std::string> Types() const {
    std::vector<std::string> types;
    for (const auto& response : responses) types.push_back(response.event().type());
    return types;
  }
  std::string LastCursor(std::string otherwise = "") const {
    return responses.empty() ? otherwise : responses.back().cursor();
  }
};

class OfferingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = throughline::testing::TestDatabase::Create();
    flags_.listen = "127.0.0.1:0";
    flags_.admin_listen = "";
    flags_.database_url = database_->url();
    flags_.shutdown_grace_seconds = 1;
    flags_.workers = 4;
    flags_.db_pool_size = 4;
    ASSERT_NO_FATAL_FAILURE(StartSegmentServer());
    ASSERT_NO_FATAL_FAILURE(StartOfferingServerAgainstSegmentService());
  }

  void TearDown() override {
    offering_stub_.reset();
    offering_server_.reset();
    segment_stub_.reset();
    segment_server_.reset();
    database_.reset();
  }

  static auth::TokenAuthenticator UserTokens() {
    auth::TokenAuthenticator tokens;
    tokens.Add(kAcmeEditor, {"acme", "erin@acme.example", auth::Role::kEditor});
    tokens.Add(kAcmeViewer, {"acme", "vic@acme.example", auth::Role::kViewer});
    tokens.Add(kGlobexEditor, {"globex", "gus@globex.example", auth::Role::kEditor});
    return tokens;
  }

  void StartSegmentServer() {
    auth::TokenAuthenticator tokens = UserTokens();
    tokens.Add(kOfferingServiceToken,
               {std::string(auth::kAnyOrganization), "offeringd", auth::Role::kService});
    auto server = segment::SegmentServer::Start(flags_, std::move(tokens));
    ASSERT_TRUE(server.ok()) << server.status();
    segment_server_ = *std::move(server);
    segment_stub_ = segv1::SegmentService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", segment_server_->port()), grpc::InsecureChannelCredentials()));
  }

  // (Re)starts the offering server against the same database, reading segments at
  // `segment_address`.
  void StartOfferingServer(const std::string& segment_address) {
    offering_stub_.reset();
    offering_server_.reset();
    segment_address_ = segment_address;
    auto server = OfferingServer::Start(
        flags_, OfferingServerOptions{segment_address, kOfferingServiceToken}, UserTokens());
    ASSERT_TRUE(server.ok()) << server.status();
    offering_server_ = *std::move(server);
    offering_stub_ = v1::OfferingService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", offering_server_->port()), grpc::InsecureChannelCredentials()));
  }

  void StartOfferingServerAgainstSegmentService() {
    StartOfferingServer(absl::StrCat("127.0.0.1:", segment_server_->port()));
  }

  void RestartOfferingServer() { StartOfferingServer(segment_address_); }

  // The segment service goes away: its port closes.
  void StopSegmentServer() { segment_server_->Shutdown(); }

  // ------------------------------------------------------------------------ segment service

  Result<segv1::Market> CreateMarket(const std::string& market_id, const segv1::Market& market,
                                     const std::string& parent = kAcme,
                                     std::string_view token = kAcmeEditor) {
    segv1::CreateMarketRequest request;
    request.set_parent(parent);
    request.set_market_id(market_id);
    *request.mutable_market() = market;
    return Call(*segment_stub_, token, &segv1::SegmentService::Stub::CreateMarket, request);
  }

  Result<segv1::Segment> CreateSegment(const std::string& market, const std::string& segment_id,
                                       const segv1::Segment& segment,
                                       std::string_view token = kAcmeEditor) {
    segv1::CreateSegmentRequest request;
    request.set_parent(market);
    request.set_segment_id(segment_id);
    *request.mutable_segment() = segment;
    return Call(*segment_stub_, token, &segv1::SegmentService::Stub::CreateSegment, request);
  }

  Result<segv1::Segment> GetSegment(const std::string& name, std::string_view token = kAcmeViewer) {
    segv1::GetSegmentRequest request;
    request.set_name(name);
    return Call(*segment_stub_, token, &segv1::SegmentService::Stub::GetSegment, request);
  }

  Result<segv1::Segment> UpdateSegment(const segv1::Segment& segment,
                                       std::vector<std::string> paths,
                                       std::string_view token = kAcmeEditor) {
    segv1::UpdateSegmentRequest request;
    *request.mutable_segment() = segment;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return Call(*segment_stub_, token, &segv1::SegmentService::Stub::UpdateSegment, request);
  }

  grpc::Status DeleteSegment(const std::string& name, std::string_view token = kAcmeEditor) {
    segv1::DeleteSegmentRequest request;
    request.set_name(name);
    return Call(*segment_stub_, token, &segv1::SegmentService::Stub::DeleteSegment, request).status;
  }

  // The market and both segments of the reference scenario.
  void CreateReferenceSegments() {
    auto market = CreateMarket("cloud-databases", CloudDatabases());
    ASSERT_TRUE(market.ok()) << Describe(market.status);
    auto diy = CreateSegment(kMarket, "diy-power-users", DiyPowerUsers());
    ASSERT_TRUE(diy.ok()) << Describe(diy.status);
    auto one_click = CreateSegment(kMarket, "one-click-customers", OneClickCustomers());
    ASSERT_TRUE(one_click.ok()) << Describe(one_click.status);
  }

  // The whole reference scenario: segments, "Managed PostgreSQL" targeting DIY power users,
  // and the accepted decision "Hide most knobs to accelerate launch".
  void CreateReferenceScenario() {
    ASSERT_NO_FATAL_FAILURE(CreateReferenceSegments());
    auto offering = CreateOffering("managed-postgresql", ManagedPostgres());
    ASSERT_TRUE(offering.ok()) << Describe(offering.status);
    auto decision = CreateDecision(kManagedPostgres, "hide-most-knobs", HideMostKnobs());
    ASSERT_TRUE(decision.ok()) << Describe(decision.status);
  }

  // ----------------------------------------------------------------------- offering service

  Result<v1::Offering> CreateOffering(const std::string& offering_id, const v1::Offering& offering,
                                      const std::string& request_id = "",
                                      const std::string& parent = kAcme,
                                      std::string_view token = kAcmeEditor) {
    v1::CreateOfferingRequest request;
    request.set_parent(parent);
    request.set_offering_id(offering_id);
    *request.mutable_offering() = offering;
    request.set_request_id(request_id);
    return CallOffering(token, &v1::OfferingService::Stub::CreateOffering, request);
  }

  Result<v1::Offering> CreateOffering(const v1::CreateOfferingRequest& request,
                                      std::string_view token = kAcmeEditor) {
    return CallOffering(token, &v1::OfferingService::Stub::CreateOffering, request);
  }

  Result<v1::Offering> GetOffering(const std::string& name, std::string_view token = kAcmeViewer) {
    v1::GetOfferingRequest request;
    request.set_name(name);
    return CallOffering(token, &v1::OfferingService::Stub::GetOffering, request);
  }

  Result<v1::ListOfferingsResponse> ListOfferings(const std::string& parent = kAcme,
                                                  const std::string& filter = "", int page_size = 0,
                                                  const std::string& page_token = "",
                                                  std::string_view token = kAcmeViewer) {
    v1::ListOfferingsRequest request;
    request.set_parent(parent);
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return CallOffering(token, &v1::OfferingService::Stub::ListOfferings, request);
  }

  // Every offering of `parent` matching `filter`, following next_page_token.
  std::vector<v1::Offering> AllOfferings(const std::string& parent = kAcme,
                                         const std::string& filter = "", int page_size = 100,
                                         std::string_view token = kAcmeViewer) {
    std::vector<v1::Offering> offerings;
    std::string page_token;
    do {
      auto page = ListOfferings(parent, filter, page_size, page_token, token);
      EXPECT_TRUE(page.ok()) << Describe(page.status);
      if (!page.ok()) break;
      for (const auto& offering : page.value.offerings()) offerings.push_back(offering);
      page_token = page.value.next_page_token();
    } while (!page_token.empty());
    return offerings;
  }

  Result<v1::Offering> UpdateOffering(const v1::Offering& offering, std::vector<std::string> paths,
                                      std::string_view token = kAcmeEditor) {
    v1::UpdateOfferingRequest request;
    *request.mutable_offering() = offering;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return CallOffering(token, &v1::OfferingService::Stub::UpdateOffering, request);
  }

  grpc::Status DeleteOffering(const std::string& name, const std::string& etag = "",
                              std::string_view token = kAcmeEditor) {
    v1::DeleteOfferingRequest request;
    request.set_name(name);
    request.set_etag(etag);
    return CallOffering(token, &v1::OfferingService::Stub::DeleteOffering, request).status;
  }

  Result<v1::Offering> RetargetOffering(const v1::RetargetOfferingRequest& request,
                                        std::string_view token = kAcmeEditor) {
    return CallOffering(token, &v1::OfferingService::Stub::RetargetOffering, request);
  }

  Result<v1::Offering> Retarget(const std::string& name, const std::string& target_segment,
                                const std::string& rationale =
                                    "New evidence: one-click customers are the larger "
                                    "opportunity.",
                                const std::string& request_id = "") {
    v1::RetargetOfferingRequest request;
    request.set_name(name);
    request.set_target_segment(target_segment);
    request.set_rationale(rationale);
    request.set_request_id(request_id);
    return RetargetOffering(request);
  }

  Result<v1::Decision> CreateDecision(const std::string& parent, const std::string& decision_id,
                                      const v1::Decision& decision,
                                      const std::string& request_id = "",
                                      std::string_view token = kAcmeEditor) {
    v1::CreateDecisionRequest request;
    request.set_parent(parent);
    request.set_decision_id(decision_id);
    *request.mutable_decision() = decision;
    request.set_request_id(request_id);
    return CallOffering(token, &v1::OfferingService::Stub::CreateDecision, request);
  }

  Result<v1::Decision> CreateDecision(const v1::CreateDecisionRequest& request,
                                      std::string_view token = kAcmeEditor) {
    return CallOffering(token, &v1::OfferingService::Stub::CreateDecision, request);
  }

  Result<v1::Decision> GetDecision(const std::string& name, std::string_view token = kAcmeViewer) {
    v1::GetDecisionRequest request;
    request.set_name(name);
    return CallOffering(token, &v1::OfferingService::Stub::GetDecision, request);
  }

  Result<v1::ListDecisionsResponse> ListDecisions(const std::string& parent,
                                                  const std::string& filter = "", int page_size = 0,
                                                  const std::string& page_token = "",
                                                  std::string_view token = kAcmeViewer) {
    v1::ListDecisionsRequest request;
    request.set_parent(parent);
    request.set_filter(filter);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return CallOffering(token, &v1::OfferingService::Stub::ListDecisions, request);
  }

  // The names of every decision of `parent` matching `filter`, following next_page_token.
  std::vector<std::string> AllDecisionNames(const std::string& parent,
                                            const std::string& filter = "", int page_size = 100) {
    std::vector<std::string> names;
    std::string page_token;
    do {
      auto page = ListDecisions(parent, filter, page_size, page_token);
      EXPECT_TRUE(page.ok()) << Describe(page.status);
      if (!page.ok()) break;
      for (const auto& decision : page.value.decisions()) names.push_back(decision.name());
      page_token = page.value.next_page_token();
    } while (!page_token.empty());
    return names;
  }

  Result<v1::Decision> UpdateDecision(const v1::Decision& decision, std::vector<std::string> paths,
                                      std::string_view token = kAcmeEditor) {
    v1::UpdateDecisionRequest request;
    *request.mutable_decision() = decision;
    for (auto& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return CallOffering(token, &v1::OfferingService::Stub::UpdateDecision, request);
  }

  grpc::Status DeleteDecision(const std::string& name, const std::string& etag = "",
                              std::string_view token = kAcmeEditor) {
    v1::DeleteDecisionRequest request;
    request.set_name(name);
    request.set_etag(etag);
    return CallOffering(token, &v1::OfferingService::Stub::DeleteDecision, request).status;
  }

  Result<v1::CoherenceReport> EvaluateCoherence(const std::string& name,
                                                const segv1::Segment* proposed = nullptr,
                                                std::string_view token = kAcmeViewer) {
    v1::EvaluateCoherenceRequest request;
    request.set_name(name);
    if (proposed != nullptr) *request.mutable_proposed_segment() = *proposed;
    return CallOffering(token, &v1::OfferingService::Stub::EvaluateCoherence, request);
  }

  // Evaluates and fails the test when the call fails.
  v1::CoherenceReport MustEvaluate(const std::string& name,
                                   const segv1::Segment* proposed = nullptr) {
    auto report = EvaluateCoherence(name, proposed);
    EXPECT_TRUE(report.ok()) << Describe(report.status);
    return report.value;
  }

  // -------------------------------------------------------------------------------- events

  // Reads acme's offering events after `after_cursor` until `until` holds for one (included),
  // the stream ends, or `timeout` passes.
  template <typename Predicate>
  Events ReadEventsUntil(const std::string& after_cursor, Predicate until,
                         const std::string& filter = "",
                         absl::Duration timeout = absl::Seconds(10)) {
    Events events;
    auto context = Authorized(kAcmeViewer, timeout);
    v1::WatchOfferingEventsRequest request;
    request.set_parent(kAcme);
    request.set_after_cursor(after_cursor);
    request.set_filter(filter);
    auto reader = offering_stub_->WatchOfferingEvents(context.get(), request);
    v1::WatchOfferingEventsResponse response;
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

  // Acme's offering events after `after_cursor` up to and including the event of a marker
  // decision created now under `marker_offering`: what was emitted before the marker, without
  // waiting for "no more events".
  Events EventsUpToNewMarker(const std::string& after_cursor,
                             const std::string& marker_offering = kManagedPostgres) {
    const std::string marker_id = absl::StrCat("marker-", ++markers_);
    auto marker = CreateDecision(marker_offering, marker_id, MarkerDecision());
    EXPECT_TRUE(marker.ok()) << "marker: " << Describe(marker.status);
    Events events = ReadEventsUntil(after_cursor, [&](const v1::WatchOfferingEventsResponse& r) {
      return Subject(r.event()) == marker.value.name();
    });
    EXPECT_FALSE(events.responses.empty()) << Describe(events.status);
    if (!events.responses.empty()) {
      EXPECT_EQ(Subject(events.responses.back().event()), marker.value.name())
          << "the marker event never arrived: " << Describe(events.status);
    }
    return events;
  }

  // The events after `after_cursor` other than the marker that proves there are no more.
  std::vector<v1::WatchOfferingEventsResponse> EventsSince(
      const std::string& after_cursor, const std::string& marker_offering = kManagedPostgres) {
    Events events = EventsUpToNewMarker(after_cursor, marker_offering);
    if (!events.responses.empty()) events.responses.pop_back();
    return events.responses;
  }

  // Expects that acme's offering log holds no event after `after_cursor`.
  void ExpectNoEventsSince(const std::string& after_cursor,
                           const std::string& marker_offering = kManagedPostgres) {
    Events events = EventsUpToNewMarker(after_cursor, marker_offering);
    EXPECT_EQ(events.responses.size(), 1u)
        << "unexpected events: " << ::testing::PrintToString(events.Types());
  }

  // The cursor after every offering event acme has so far.
  std::string CurrentCursor(const std::string& marker_offering = kManagedPostgres) {
    return EventsUpToNewMarker("", marker_offering).LastCursor();
  }

  const server::ServiceFlags& flags() const { return flags_; }
  v1::OfferingService::Stub& offering_stub() { return *offering_stub_; }

 private:
  template <typename Stub, typename Request, typename Response>
  static Result<Response> Call(Stub& stub, std::string_view token,
                               grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                            Response*),
                               const Request& request) {
    Result<Response> result;
    auto context = Authorized(token);
    result.status = (stub.*method)(context.get(), request, &result.value);
    return result;
  }

  template <typename Request, typename Response>
  Result<Response> CallOffering(std::string_view token,
                                grpc::Status (v1::OfferingService::Stub::*method)(
                                    grpc::ClientContext*, const Request&, Response*),
                                const Request& request) {
    return Call(*offering_stub_, token, method, request);
  }

  server::ServiceFlags flags_;
  std::unique_ptr<throughline::testing::TestDatabase> database_;
  std::unique_ptr<segment::SegmentServer> segment_server_;
  std::unique_ptr<segv1::SegmentService::Stub> segment_stub_;
  std::string segment_address_;
  std::unique_ptr<OfferingServer> offering_server_;
  std::unique_ptr<v1::OfferingService::Stub> offering_stub_;
  int markers_ = 0;
};

}  // namespace throughline::offering::testing
