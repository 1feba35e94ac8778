// The reference scenario of DESIGN.md §11 as test data for the alignment tests (in-process and
// end to end): the market, the two segments, the offering, the engineering decision and the
// five functional owners, plus small builders for variations.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "throughline/alignment/v1/resources.pb.h"
#include "throughline/offering/v1/resources.pb.h"
#include "throughline/segment/v1/resources.pb.h"

namespace throughline::alignment::testing {

namespace aln = ::throughline::alignment::v1;
namespace off = ::throughline::offering::v1;
namespace seg = ::throughline::segment::v1;
using ::throughline::type::v1::Importance;
using ::throughline::type::v1::Need;

inline constexpr char kAcme[] = "organizations/acme";
inline constexpr char kGlobex[] = "organizations/globex";

inline constexpr char kMarketId[] = "cloud-databases";
inline constexpr char kMarket[] = "organizations/acme/markets/cloud-databases";
inline constexpr char kDiy[] =
    "organizations/acme/markets/cloud-databases/segments/diy-power-users";
inline constexpr char kOneClick[] =
    "organizations/acme/markets/cloud-databases/segments/one-click-customers";
inline constexpr char kManagedPostgresId[] = "managed-postgresql";
inline constexpr char kManagedPostgres[] = "organizations/acme/offerings/managed-postgresql";
inline constexpr char kHideKnobsTitle[] = "Hide most knobs to accelerate launch";

// Tokens. Every test server and every tokens file knows the same ones.
inline constexpr char kAcmeAdmin[] = "acme-admin-token";
inline constexpr char kAcmeEditor[] = "acme-editor-token";
inline constexpr char kAcmeViewer[] = "acme-viewer-token";
inline constexpr char kGlobexEditor[] = "globex-editor-token";
inline constexpr char kCtoToken[] = "acme-cto-token";
// The services' own token (role service, every organization).
inline constexpr char kServiceToken[] = "suite-service-token";

inline constexpr char kCto[] = "cto@acme.example";

// One functional owner of acme: the function, the owner's principal and token (role owner),
// and who overdue tasks escalate to.
struct Owner {
  std::string function_id;
  std::string principal;
  std::string token;
  std::string escalation_owner;
  std::vector<aln::Area> areas;  // the default areas of DESIGN.md §5

  std::string function() const { return absl::StrCat(kAcme, "/functions/", function_id); }
};

inline const std::vector<Owner>& Owners() {
  static const auto* const kOwners = new std::vector<Owner>{
      {"product",
       "priya@acme.example",
       "acme-product-owner-token",
       "cpo@acme.example",
       {aln::VALUE_PROPOSITION, aln::POSITIONING_AND_MESSAGING, aln::ONBOARDING_FLOWS}},
      {"engineering",
       "erin@acme.example",
       "acme-engineering-owner-token",
       kCto,
       {aln::KNOBS_AND_CONFIGURABILITY, aln::DEFAULTS, aln::ARCHITECTURE_TRADE_OFFS}},
      {"operations",
       "omar@acme.example",
       "acme-operations-owner-token",
       "coo@acme.example",
       {aln::OPERATIONAL_GUARANTEES, aln::RELIABILITY_EXPECTATIONS}},
      {"sales",
       "sofia@acme.example",
       "acme-sales-owner-token",
       "cro@acme.example",
       {aln::PRICING_LOGIC, aln::SALES_AND_ADOPTION_MOTIONS}},
      {"support",
       "sam@acme.example",
       "acme-support-owner-token",
       "coo@acme.example",
       {aln::SUPPORT_MODEL}},
  };
  return *kOwners;
}

inline const Owner& OwnerOf(const std::string& function_id) {
  for (const auto& owner : Owners()) {
    if (owner.function_id == function_id) return owner;
  }
  return Owners().front();
}

inline std::string FunctionName(const std::string& function_id) {
  return absl::StrCat(kAcme, "/functions/", function_id);
}

inline std::string FunctionIdOf(const std::string& name) {
  return name.substr(name.rfind('/') + 1);
}

// The lines of a tokens file (`<token> <organization> <principal> <role>`) with every token
// above; the in-process servers get the same table.
inline std::string TokensFile() {
  std::string file = "# <token> <organization> <principal> <role>\n";
  absl::StrAppend(&file, kServiceToken, " * throughline-services service\n");
  absl::StrAppend(&file, kAcmeAdmin, " acme ada@acme.example admin\n");
  absl::StrAppend(&file, kAcmeEditor, " acme ed@acme.example editor\n");
  absl::StrAppend(&file, kAcmeViewer, " acme vic@acme.example viewer\n");
  absl::StrAppend(&file, kGlobexEditor, " globex gus@globex.example editor\n");
  absl::StrAppend(&file, kCtoToken, " acme ", kCto, " owner\n");
  for (const auto& owner : Owners()) {
    absl::StrAppend(&file, owner.token, " acme ", owner.principal, " owner\n");
  }
  return file;
}

inline Need MakeNeed(std::string dimension, Importance importance, std::string note = "") {
  Need need;
  need.set_dimension(std::move(dimension));
  need.set_importance(importance);
  need.set_note(std::move(note));
  return need;
}

inline seg::Market CloudDatabases() {
  seg::Market market;
  market.set_display_name("Cloud databases");
  market.set_decision(seg::Market::COMPETE);
  market.set_rationale("Managed database spend grows fast and operations know-how is our edge.");
  return market;
}

// "DIY power users": configurability CRITICAL, operational transparency HIGH, replication and
// failover control CRITICAL, tuning HIGH.
inline seg::Segment DiyPowerUsers() {
  seg::Segment segment;
  segment.set_display_name("DIY power users");
  segment.set_description("Advanced users who prefer strong DIY configurability.");
  *segment.add_needs() = MakeNeed("configurability", type::v1::CRITICAL);
  *segment.add_needs() = MakeNeed("operational_transparency", type::v1::HIGH);
  *segment.add_needs() = MakeNeed("replication_and_failover_control", type::v1::CRITICAL);
  *segment.add_needs() = MakeNeed("tuning", type::v1::HIGH);
  segment.set_targeting(seg::Segment::TARGETED);
  segment.set_priority(1);
  return segment;
}

// "One-click customers": simplicity CRITICAL, time to value HIGH, managed reliability CRITICAL,
// configurability LOW.
inline seg::Segment OneClickCustomers() {
  seg::Segment segment;
  segment.set_display_name("One-click customers");
  segment.set_description("Teams that want a database that just works.");
  *segment.add_needs() = MakeNeed("simplicity", type::v1::CRITICAL);
  *segment.add_needs() = MakeNeed("time_to_value", type::v1::HIGH);
  *segment.add_needs() = MakeNeed("managed_reliability", type::v1::CRITICAL);
  *segment.add_needs() = MakeNeed("configurability", type::v1::LOW);
  segment.set_targeting(seg::Segment::CANDIDATE);
  segment.set_priority(2);
  return segment;
}

// "Managed PostgreSQL" designed for `target_segment`.
inline off::Offering ManagedPostgres(std::string target_segment = kDiy,
                                     std::string display_name = "Managed PostgreSQL") {
  off::Offering offering;
  offering.set_display_name(std::move(display_name));
  offering.set_target_segment(std::move(target_segment));
  offering.set_value_proposition(
      "PostgreSQL you fully control: replication, failover and tuning are yours to shape.");
  offering.set_rationale("DIY power users are underserved by opaque managed databases.");
  offering.set_positioning("The managed PostgreSQL that leaves you in control.");
  offering.set_pricing_model("Per instance-hour; replicas at cost.");
  offering.set_onboarding("Import an existing postgresql.conf.");
  offering.set_support_model("Expert-to-expert support.");
  offering.set_sales_motion("Bottom-up adoption by DBAs.");
  return offering;
}

// "Hide most knobs to accelerate launch" (engineering): WEAKENS configurability 3, SUPPORTS
// simplicity 2.
inline off::Decision HideMostKnobs() {
  off::Decision decision;
  decision.set_title(kHideKnobsTitle);
  decision.set_why(
      "Fewer configurable surfaces need less validation and testing, so customers get the "
      "service months earlier.");
  decision.set_how("Expose five settings; fix the rest to our defaults.");
  decision.set_owning_function("engineering");
  auto* weakens = decision.add_effects();
  weakens->set_dimension("configurability");
  weakens->set_effect(off::Effect::WEAKENS);
  weakens->set_strength(3);
  auto* supports = decision.add_effects();
  supports->set_dimension("simplicity");
  supports->set_effect(off::Effect::SUPPORTS);
  supports->set_strength(2);
  decision.set_state(off::Decision::ACCEPTED);
  return decision;
}

// A sales decision that weakens nothing the segments care about.
inline off::Decision UsageBasedPricing() {
  off::Decision decision;
  decision.set_title("Usage-based pricing");
  decision.set_why("Customers pay for what they use, so small teams can start cheaply.");
  decision.set_owning_function("sales");
  auto* supports = decision.add_effects();
  supports->set_dimension("cost_efficiency");
  supports->set_effect(off::Effect::SUPPORTS);
  supports->set_strength(2);
  decision.set_state(off::Decision::ACCEPTED);
  return decision;
}

}  // namespace throughline::alignment::testing
