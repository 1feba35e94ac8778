// Issue 6 part 3b: bad input on every service where it applies — oversized messages, huge
// repeated fields, invalid UTF-8, names in another organization inside a request's fields,
// expired, malformed and foreign page tokens. Each gets the right code and a message naming
// the field, and every row of every schema is the same afterwards.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "libs/api/page_token.h"
#include "libs/errors/errors.h"
#include "tests/security/security_fixture.h"

namespace throughline::security::testing {
namespace {

using alignment::testing::Describe;
using alignment::testing::ErrorReason;
using alignment::testing::kAcmeAdmin;
using alignment::testing::kAcmeEditor;
using alignment::testing::kGlobexEditor;
using alignment::testing::ViolatedFields;
using grpc::StatusCode;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int kHuge = 100'000;
// Above the servers' 4 MiB receive limit (ServiceFlags::max_receive_message_bytes).
constexpr size_t kOversized = 5 << 20;

constexpr char kCreateMarket[] = "throughline.segment.v1.SegmentService.CreateMarket";
constexpr char kCreateSegment[] = "throughline.segment.v1.SegmentService.CreateSegment";
constexpr char kUpdateSegment[] = "throughline.segment.v1.SegmentService.UpdateSegment";
constexpr char kGetMarket[] = "throughline.segment.v1.SegmentService.GetMarket";
constexpr char kWatchSegmentEvents[] = "throughline.segment.v1.SegmentService.WatchSegmentEvents";
constexpr char kCreateOffering[] = "throughline.offering.v1.OfferingService.CreateOffering";
constexpr char kRetargetOffering[] = "throughline.offering.v1.OfferingService.RetargetOffering";
constexpr char kCreateDecision[] = "throughline.offering.v1.OfferingService.CreateDecision";
constexpr char kUpdateDecision[] = "throughline.offering.v1.OfferingService.UpdateDecision";
constexpr char kCreateCommitment[] = "throughline.alignment.v1.AlignmentService.CreateCommitment";
constexpr char kUpdateFunction[] = "throughline.alignment.v1.AlignmentService.UpdateFunction";
constexpr char kResolveTask[] = "throughline.alignment.v1.AlignmentService.ResolveTask";
constexpr char kPreview[] = "throughline.alignment.v1.AlignmentService.PreviewSegmentChange";

std::vector<std::pair<std::string, std::string>> FieldViolations(const grpc::Status& status) {
  std::vector<std::pair<std::string, std::string>> violations;
  const google::rpc::Status decoded = errors::DecodeDetails(status);
  for (const auto& detail : decoded.details()) {
    google::rpc::BadRequest bad_request;
    if (!detail.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      violations.emplace_back(violation.field(), violation.description());
    }
  }
  return violations;
}

// INVALID_ARGUMENT with a BadRequest naming `field` with a description containing `says`.
void ExpectInvalidField(const RawResult& result, const std::string& field,
                        const std::string& says) {
  ASSERT_EQ(result.status.error_code(), StatusCode::INVALID_ARGUMENT) << Describe(result.status);
  EXPECT_EQ(ErrorReason(result.status), "INVALID_ARGUMENT");
  EXPECT_THAT(result.status.error_message(), HasSubstr(field));
  bool found = false;
  for (const auto& [path, description] : FieldViolations(result.status)) {
    if (path == field) {
      found = true;
      EXPECT_THAT(description, HasSubstr(says)) << path;
    }
  }
  EXPECT_TRUE(found) << "no violation on " << field << ": " << Describe(result.status);
}

class BadInputTest : public SecuritySuiteTest {
 protected:
  void SetUp() override {
    SecuritySuiteTest::SetUp();
    if (HasFatalFailure()) return;
    before_ = Snapshot();
  }
  // Every test also checks that its bad input wrote nothing.
  void TearDown() override {
    if (!HasFatalFailure()) {
      EXPECT_EQ(SnapshotDifference(before_, Snapshot()), "") << "bad input changed stored data";
    }
    SecuritySuiteTest::TearDown();
  }

  DatabaseSnapshot before_;
};

TEST_F(BadInputTest, OversizedMessagesAreRefusedByEveryService) {
  const std::string huge(kOversized, 'x');
  seg::CreateMarketRequest market;
  market.set_parent(acme().parent);
  market.set_market_id("huge");
  market.mutable_market()->set_display_name(huge);
  off::CreateOfferingRequest offering;
  offering.set_parent(acme().parent);
  offering.set_offering_id("huge");
  offering.mutable_offering()->set_value_proposition(huge);
  aln::CreateCommitmentRequest commitment;
  commitment.set_parent(acme().offering);
  commitment.set_function_id("sales");
  commitment.mutable_commitment()->set_statement(huge);
  seg::WatchSegmentEventsRequest watch;
  watch.set_parent(acme().parent);
  watch.set_filter(huge);
  const std::vector<std::pair<std::string, const google::protobuf::Message*>> cases = {
      {kCreateMarket, &market},
      {kCreateOffering, &offering},
      {kCreateCommitment, &commitment},
      {kWatchSegmentEvents, &watch}};
  for (const auto& [method, request] : cases) {
    SCOPED_TRACE(method);
    const RawResult result = CallMethod(method, *request, kAcmeEditor);
    // gRPC refuses the message before our code sees it, with its own message.
    EXPECT_EQ(result.status.error_code(), StatusCode::RESOURCE_EXHAUSTED)
        << Describe(result.status);
    EXPECT_THAT(result.status.error_message(), HasSubstr("larger than max"));
    EXPECT_FALSE(result.stream_started);
  }
}

TEST_F(BadInputTest, HugeRepeatedFieldsNameTheFieldAndTheLimit) {
  seg::CreateSegmentRequest segment;
  segment.set_parent(acme().market);
  segment.set_segment_id("huge");
  segment.mutable_segment()->set_display_name("Huge");
  segment.mutable_segment()->set_targeting(seg::Segment::CANDIDATE);
  seg::UpdateSegmentRequest update_segment;
  update_segment.mutable_segment()->set_name(acme().diy);
  update_segment.mutable_update_mask()->add_paths("needs");
  aln::PreviewSegmentChangeRequest preview;
  preview.mutable_segment()->set_name(acme().one_click);
  preview.mutable_update_mask()->add_paths("needs");
  for (int i = 0; i < kHuge; ++i) {
    type::v1::Need need = alignment::testing::MakeNeed(absl::StrCat("d", i), type::v1::HIGH);
    *segment.mutable_segment()->add_needs() = need;
    *update_segment.mutable_segment()->add_needs() = need;
    *preview.mutable_segment()->add_needs() = std::move(need);
  }
  seg::CreateMarketRequest market;
  market.set_parent(acme().parent);
  market.set_market_id("huge");
  *market.mutable_market() = alignment::testing::CloudDatabases();
  for (int i = 0; i < kHuge; ++i) market.mutable_market()->add_evidence_notes("n");

  off::CreateOfferingRequest knobs;
  knobs.set_parent(acme().parent);
  knobs.set_offering_id("huge");
  *knobs.mutable_offering() = alignment::testing::ManagedPostgres(acme().one_click);
  off::CreateOfferingRequest guarantees = knobs;
  for (int i = 0; i < kHuge; ++i) {
    auto* knob = knobs.mutable_offering()->add_knobs();
    knob->set_key(absl::StrCat("k", i));
    knob->set_exposure(off::Knob::EXPOSED);
    auto* guarantee = guarantees.mutable_offering()->add_operational_guarantees();
    guarantee->set_name("g");
    guarantee->set_target("t");
  }
  off::CreateDecisionRequest effects;
  effects.set_parent(acme().offering);
  effects.set_decision_id("huge");
  *effects.mutable_decision() = alignment::testing::HideMostKnobs();
  off::CreateDecisionRequest alternatives = effects;
  for (int i = 0; i < kHuge; ++i) {
    auto* effect = effects.mutable_decision()->add_effects();
    effect->set_dimension(absl::StrCat("d", i));
    effect->set_effect(off::Effect::SUPPORTS);
    effect->set_strength(1);
    alternatives.mutable_decision()->add_alternatives()->set_description("a");
  }
  aln::CreateCommitmentRequest metrics;
  metrics.set_parent(acme().offering);
  metrics.set_function_id("sales");
  metrics.mutable_commitment()->set_statement("Priced for one-click customers.");
  for (int i = 0; i < kHuge; ++i) metrics.mutable_commitment()->add_local_metrics()->set_name("m");
  aln::UpdateFunctionRequest areas;
  areas.mutable_function()->set_name(acme().engineering);
  areas.mutable_update_mask()->add_paths("areas");
  for (int i = 0; i < kHuge; ++i) areas.mutable_function()->add_areas(aln::DEFAULTS);
  aln::ResolveTaskRequest resolve;
  resolve.set_name(acme().task);
  resolve.mutable_resolution()->set_kind(aln::Resolution::REVISED);
  // Short names keep the request under the receive limit: it must reach the validation.
  const std::string changed = acme().parent + "/d";
  for (int i = 0; i < kHuge; ++i) resolve.mutable_resolution()->add_changed_resources(changed);

  struct Case {
    std::string method;
    const google::protobuf::Message* request;
    std::string token;
    std::string field;
  };
  const std::vector<Case> cases = {
      {kCreateSegment, &segment, kAcmeEditor, "segment.needs"},
      {kUpdateSegment, &update_segment, kAcmeEditor, "segment.needs"},
      {kPreview, &preview, kAcmeEditor, "segment.needs"},
      {kCreateMarket, &market, kAcmeEditor, "market.evidence_notes"},
      {kCreateOffering, &knobs, kAcmeEditor, "offering.knobs"},
      {kCreateOffering, &guarantees, kAcmeEditor, "offering.operational_guarantees"},
      {kCreateDecision, &effects, kAcmeEditor, "decision.effects"},
      {kCreateDecision, &alternatives, kAcmeEditor, "decision.alternatives"},
      {kCreateCommitment, &metrics, kAcmeEditor, "commitment.local_metrics"},
      {kUpdateFunction, &areas, kAcmeAdmin, "function.areas"},
      {kResolveTask, &resolve, kAcmeEditor, "resolution.changed_resources"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.method, " with ", kHuge, " ", c.field));
    const RawResult result = CallMethod(c.method, *c.request, c.token);
    ExpectInvalidField(result, c.field, "at most ");
    // One violation for the list, not one per entry: the answer stays small.
    EXPECT_THAT(FieldViolations(result.status), SizeIs(1));
  }
}

// A string field of a request with bytes that are not UTF-8, sent as raw bytes since the
// typed stubs cannot build it.
std::string WithInvalidUtf8(const google::protobuf::Message& request) {
  // The placeholder is replaced by as many bytes that no UTF-8 text contains.
  return absl::StrReplaceAll(request.SerializeAsString(), {{"@@@@", "\xff\xfe\xc0\x80"}});
}

// A request whose string field holds bytes that are not UTF-8, and the path of that field.
struct InvalidUtf8Request {
  std::string method;
  std::string bytes;
  std::string field;
};

// Nested string fields of each service, with bytes that are not UTF-8.
std::vector<InvalidUtf8Request> NestedInvalidUtf8Requests(const Organization& acme) {
  seg::CreateMarketRequest market;
  market.set_parent(acme.parent);
  market.set_market_id("utf8");
  *market.mutable_market() = alignment::testing::CloudDatabases();
  market.mutable_market()->set_display_name("Cloud @@@@");
  seg::CreateSegmentRequest segment;
  segment.set_parent(acme.market);
  segment.set_segment_id("utf8");
  *segment.mutable_segment() = alignment::testing::OneClickCustomers();
  segment.mutable_segment()->mutable_needs(1)->set_note("Fast @@@@");
  off::CreateOfferingRequest offering;
  offering.set_parent(acme.parent);
  offering.set_offering_id("utf8");
  *offering.mutable_offering() = alignment::testing::ManagedPostgres(acme.one_click);
  offering.mutable_offering()->set_value_proposition("PostgreSQL @@@@");
  aln::CreateCommitmentRequest commitment;
  commitment.set_parent(acme.offering);
  commitment.set_function_id("sales");
  commitment.mutable_commitment()->set_statement("Priced @@@@");
  return {{kCreateMarket, WithInvalidUtf8(market), "market.display_name"},
          {kCreateSegment, WithInvalidUtf8(segment), "segment.needs[1].note"},
          {kCreateOffering, WithInvalidUtf8(offering), "offering.value_proposition"},
          {kCreateCommitment, WithInvalidUtf8(commitment), "commitment.statement"}};
}

// Proto3 strings must be UTF-8, so protobuf refuses these requests before any service code
// runs; libs/server/request_parsing.h answers for it, naming the field (gRPC itself would
// answer UNIMPLEMENTED with an empty message). Nothing is written (TearDown).
TEST_F(BadInputTest, InvalidUtf8IsInvalidArgumentNamingTheField) {
  for (const auto& request : NestedInvalidUtf8Requests(acme())) {
    SCOPED_TRACE(request.method);
    const auto& descriptor = Method(request.method);
    const RawResult result =
        CallRaw(ChannelOf(*descriptor.service()), descriptor, request.bytes, kAcmeEditor);
    EXPECT_EQ(result.status.error_code(), StatusCode::INVALID_ARGUMENT) << Describe(result.status);
    EXPECT_THAT(ViolatedFields(result.status), ElementsAre(request.field));
    EXPECT_THAT(result.status.error_message(), HasSubstr("not UTF-8"));
    EXPECT_EQ(ErrorReason(result.status), "INVALID_ARGUMENT");
  }
}

// Sets the first singular string field of `message`, depth first through singular message
// fields, to `value`; answers its path ("market.name"), or "" when there is none.
std::string SetFirstString(google::protobuf::Message& message, const std::string& value) {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  const google::protobuf::Descriptor& type = *message.GetDescriptor();
  for (int i = 0; i < type.field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type.field(i);
    if (field->is_repeated()) continue;
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      reflection.SetString(&message, field, value);
      return field->name();
    }
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      const std::string nested = SetFirstString(*reflection.MutableMessage(&message, field), value);
      if (!nested.empty()) return absl::StrCat(field->name(), ".", nested);
      reflection.ClearField(&message, field);
    }
  }
  return "";
}

// Every method of every service, unary and streaming: the first string field of its request
// (SetFirstString) with bytes that are not UTF-8, sent without a token (the request is refused
// before authentication, like any request that does not parse).
TEST_F(BadInputTest, EveryMethodAnswersInvalidUtf8WithTheField) {
  int methods = 0;
  for (const auto* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      SCOPED_TRACE(method.full_name());
      auto request = NewRequest(method);
      const std::string field = SetFirstString(*request, "@@@@");
      ASSERT_FALSE(field.empty()) << "no string field in " << method.input_type()->full_name();
      const RawResult result =
          CallRaw(ChannelOf(*service), method, WithInvalidUtf8(*request), /*token=*/"");
      EXPECT_EQ(result.status.error_code(), StatusCode::INVALID_ARGUMENT)
          << Describe(result.status);
      EXPECT_THAT(ViolatedFields(result.status), ElementsAre(field));
      EXPECT_FALSE(result.stream_started);
      ++methods;
    }
  }
  EXPECT_EQ(methods, 41);
}

// Bytes that are no protobuf message at all (a length that runs past the end), at the top and
// inside a message field.
TEST_F(BadInputTest, BytesThatAreNoMessageAreInvalidArgument) {
  const auto& descriptor = Method(kGetMarket);
  const RawResult result = CallRaw(ChannelOf(*descriptor.service()), descriptor,
                                   "\x0a\x7f"
                                   "abc",
                                   kAcmeEditor);
  EXPECT_EQ(result.status.error_code(), StatusCode::INVALID_ARGUMENT) << Describe(result.status);
  EXPECT_THAT(ViolatedFields(result.status), ElementsAre("request"));
  EXPECT_THAT(result.status.error_message(),
              HasSubstr("not a serialized throughline.segment.v1.GetMarketRequest"));

  // A message field whose bytes are no message: that field is named.
  const auto& create = Method(kCreateMarket);
  const RawResult nested = CallRaw(ChannelOf(*create.service()), create,
                                   "\x1a\x03\x0a\x7f"
                                   "a",
                                   kAcmeEditor);  // market: 0a 7f a
  EXPECT_EQ(nested.status.error_code(), StatusCode::INVALID_ARGUMENT) << Describe(nested.status);
  EXPECT_THAT(ViolatedFields(nested.status), ElementsAre("market"));
}

TEST_F(BadInputTest, NamesInAnotherOrganizationAreRefusedInEveryField) {
  off::CreateOfferingRequest offering;
  offering.set_parent(acme().parent);
  offering.set_offering_id("poached");
  *offering.mutable_offering() = alignment::testing::ManagedPostgres(globex().one_click);
  off::RetargetOfferingRequest retarget;
  retarget.set_name(acme().offering);
  retarget.set_target_segment(globex().diy);
  retarget.set_rationale("Their power users.");
  off::UpdateDecisionRequest supersede;
  supersede.mutable_decision()->set_name(acme().decision);
  supersede.mutable_decision()->set_state(off::Decision::SUPERSEDED);
  supersede.mutable_decision()->set_superseded_by(globex().decision);
  supersede.mutable_update_mask()->add_paths("state");
  supersede.mutable_update_mask()->add_paths("superseded_by");
  aln::ResolveTaskRequest resolve;
  resolve.set_name(acme().task);
  resolve.mutable_resolution()->set_kind(aln::Resolution::REVISED);
  resolve.mutable_resolution()->add_changed_resources(globex().decision);
  struct Case {
    std::string method;
    const google::protobuf::Message* request;
    std::string field;
  };
  const std::vector<Case> cases = {
      {kCreateOffering, &offering, "offering.target_segment"},
      {kRetargetOffering, &retarget, "target_segment"},
      {kUpdateDecision, &supersede, "decision.superseded_by"},
      {kResolveTask, &resolve, "resolution.changed_resources[0]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.field);
    const RawResult result = CallMethod(c.method, *c.request, kAcmeEditor);
    // A reference to another organization inside a resource is invalid input naming the
    // field (the caller is not denied a name it asked for: it asked for its own).
    ExpectInvalidField(result, c.field, "organization");
    EXPECT_THAT(GlobexLeaksIn(result, false), IsEmpty());
  }
}

// The seven listings with a parent each: the fingerprint of a page token is
// api::QueryFingerprint of the parent and the filter (functions and commitments have no
// filter), as the catalogs compute it.
struct Listing {
  std::string method;
  std::string parent;
  bool has_filter;
};

std::vector<Listing> Listings(const Organization& organization) {
  return {
      {"throughline.segment.v1.SegmentService.ListMarkets", organization.parent, true},
      {"throughline.segment.v1.SegmentService.ListSegments", organization.market, true},
      {"throughline.offering.v1.OfferingService.ListOfferings", organization.parent, true},
      {"throughline.offering.v1.OfferingService.ListDecisions", organization.offering, true},
      {"throughline.alignment.v1.AlignmentService.ListFunctions", organization.parent, false},
      {"throughline.alignment.v1.AlignmentService.ListCommitments", organization.offering, false},
      {"throughline.alignment.v1.AlignmentService.ListTasks", organization.parent, true},
  };
}

std::string Fingerprint(const Listing& listing, const std::string& parent,
                        const std::string& filter = "") {
  return listing.has_filter ? api::QueryFingerprint({parent, filter})
                            : api::QueryFingerprint({parent});
}

std::string ListRequest(const Listing& listing, const std::string& page_token,
                        const std::string& parent = "") {
  return absl::StrCat("parent: \"", parent.empty() ? listing.parent : parent, "\" page_token: \"",
                      page_token, "\"");
}

TEST_F(BadInputTest, ExpiredPageTokensAreRefusedOnEveryListing) {
  // The servers' clocks are not injectable; page tokens carry no secret (libs/api/page_token.cc
  // says why), so the token a server issued 25 hours ago for this very query is made here.
  const absl::Time issued = absl::Now() - api::kPageTokenLifetime - absl::Hours(1);
  for (const auto& listing : Listings(acme())) {
    SCOPED_TRACE(listing.method);
    const std::string token = api::EncodePageToken(Fingerprint(listing, listing.parent), 1, issued);
    // Control: the same token issued now is accepted, so only the expiry differs.
    const std::string fresh =
        api::EncodePageToken(Fingerprint(listing, listing.parent), 1, absl::Now());
    const RawResult accepted = CallText(listing.method, ListRequest(listing, fresh), kAcmeEditor);
    EXPECT_TRUE(accepted.status.ok()) << Describe(accepted.status);
    ExpectInvalidField(CallText(listing.method, ListRequest(listing, token), kAcmeEditor),
                       "page_token", "expired");
  }
}

TEST_F(BadInputTest, MalformedPageTokensAreRefusedOnEveryListing) {
  for (const auto& listing : Listings(acme())) {
    SCOPED_TRACE(listing.method);
    const std::string good =
        api::EncodePageToken(Fingerprint(listing, listing.parent), 1, absl::Now());
    std::string edited = good;
    edited[3] = edited[3] == 'A' ? 'B' : 'A';
    for (const std::string& token :
         {std::string("garbage"), good.substr(0, good.size() - 4), edited, good + "AAAA"}) {
      SCOPED_TRACE(token);
      ExpectInvalidField(CallText(listing.method, ListRequest(listing, token), kAcmeEditor),
                         "page_token", "malformed");
    }
  }
}

TEST_F(BadInputTest, PageTokensFromADifferentQueryAreRefusedOnEveryListing) {
  for (const auto& listing : Listings(acme())) {
    SCOPED_TRACE(listing.method);
    // Issued for another parent in acme, and (where there is a filter) for another filter.
    std::vector<std::string> tokens = {
        api::EncodePageToken(Fingerprint(listing, listing.parent + "-other"), 1, absl::Now())};
    if (listing.has_filter) {
      tokens.push_back(api::EncodePageToken(
          Fingerprint(listing, listing.parent, "state = \"OPEN\""), 1, absl::Now()));
    }
    for (const auto& token : tokens) {
      ExpectInvalidField(CallText(listing.method, ListRequest(listing, token), kAcmeEditor),
                         "page_token", "different query");
    }
  }
  // And a token a server really issued, for tasks filtered by state, replayed unfiltered.
  auto first = suite().ListTasks("state = \"OPEN\"", kAcmeEditor, acme().parent, 1);
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  ASSERT_FALSE(first.value.next_page_token().empty());
  auto replayed =
      suite().ListTasks("", kAcmeEditor, acme().parent, 1, first.value.next_page_token());
  EXPECT_EQ(replayed.code(), StatusCode::INVALID_ARGUMENT) << Describe(replayed.status);
  EXPECT_THAT(replayed.status.error_message(), HasSubstr("different query"));
}

}  // namespace
}  // namespace throughline::security::testing
