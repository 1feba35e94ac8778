// The reference scenario of the source text (DESIGN.md §11) as test data: the market, the two
// segments, the offering and the decision, exactly as told, plus small builders for variations.
#pragma once

#include <string>
#include <utility>

#include "throughline/offering/v1/resources.pb.h"
#include "throughline/segment/v1/resources.pb.h"

namespace throughline::offering::testing {

namespace v1 = ::throughline::offering::v1;
namespace segv1 = ::throughline::segment::v1;
using ::throughline::type::v1::Importance;
using ::throughline::type::v1::Need;

inline constexpr char kAcme[] = "organizations/acme";
inline constexpr char kGlobex[] = "organizations/globex";

// The reference scenario's names (DESIGN.md §11).
inline constexpr char kMarket[] = "organizations/acme/markets/cloud-databases";
inline constexpr char kDiy[] =
    "organizations/acme/markets/cloud-databases/segments/diy-power-users";
inline constexpr char kOneClick[] =
    "organizations/acme/markets/cloud-databases/segments/one-click-customers";
inline constexpr char kManagedPostgres[] = "organizations/acme/offerings/managed-postgresql";
inline constexpr char kHideKnobs[] =
    "organizations/acme/offerings/managed-postgresql/decisions/hide-most-knobs";
inline constexpr char kHideKnobsTitle[] = "Hide most knobs to accelerate launch";

inline Need MakeNeed(std::string dimension, Importance importance) {
  Need need;
  need.set_dimension(std::move(dimension));
  need.set_importance(importance);
  return need;
}

inline v1::Effect MakeEffect(std::string dimension, v1::Effect::Direction direction, int strength) {
  v1::Effect effect;
  effect.set_dimension(std::move(dimension));
  effect.set_effect(direction);
  effect.set_strength(strength);
  return effect;
}

inline v1::Knob MakeKnob(std::string key, v1::Knob::Exposure exposure, std::string dimension) {
  v1::Knob knob;
  knob.set_key(std::move(key));
  knob.set_exposure(exposure);
  knob.set_dimension(std::move(dimension));
  knob.set_default_value("on");
  return knob;
}

inline segv1::Market CloudDatabases() {
  segv1::Market market;
  market.set_display_name("Cloud databases");
  market.set_decision(segv1::Market::COMPETE);
  market.set_rationale("Our operators' PostgreSQL know-how is what customers pay for.");
  return market;
}

// "DIY power users": configurability CRITICAL, operational transparency HIGH, replication and
// failover control CRITICAL, tuning HIGH.
inline segv1::Segment DiyPowerUsers() {
  segv1::Segment segment;
  segment.set_display_name("DIY power users");
  segment.set_description("Advanced users who prefer strong DIY configurability.");
  *segment.add_needs() = MakeNeed("configurability", type::v1::CRITICAL);
  *segment.add_needs() = MakeNeed("operational_transparency", type::v1::HIGH);
  *segment.add_needs() = MakeNeed("replication_and_failover_control", type::v1::CRITICAL);
  *segment.add_needs() = MakeNeed("tuning", type::v1::HIGH);
  segment.set_targeting(segv1::Segment::TARGETED);
  segment.set_priority(1);
  return segment;
}

// "One-click customers": simplicity CRITICAL, time to value HIGH, managed reliability
// CRITICAL, configurability LOW.
inline segv1::Segment OneClickCustomers() {
  segv1::Segment segment;
  segment.set_display_name("One-click customers");
  segment.set_description("Teams that want a database that just works.");
  *segment.add_needs() = MakeNeed("simplicity", type::v1::CRITICAL);
  *segment.add_needs() = MakeNeed("time_to_value", type::v1::HIGH);
  *segment.add_needs() = MakeNeed("managed_reliability", type::v1::CRITICAL);
  *segment.add_needs() = MakeNeed("configurability", type::v1::LOW);
  segment.set_targeting(segv1::Segment::CANDIDATE);
  segment.set_priority(2);
  return segment;
}

// "Managed PostgreSQL" designed for `target_segment`; tests change what they are about.
inline v1::Offering ManagedPostgres(std::string target_segment = kDiy,
                                    std::string display_name = "Managed PostgreSQL") {
  v1::Offering offering;
  offering.set_display_name(std::move(display_name));
  offering.set_target_segment(std::move(target_segment));
  offering.set_value_proposition(
      "Full control over replication, failover and tuning, without running the servers.");
  offering.set_rationale("DIY power users outgrow every managed service that hides the knobs.");
  offering.set_positioning("The managed PostgreSQL that leaves you in control.");
  offering.set_pricing_model("Per instance-hour; replicas at cost.");
  offering.set_onboarding("Import an existing postgresql.conf.");
  offering.set_support_model("Engineer-to-engineer support.");
  offering.set_sales_motion("Bottom-up adoption by DBAs.");
  auto* guarantee = offering.add_operational_guarantees();
  guarantee->set_name("availability");
  guarantee->set_target("99.95%");
  *offering.add_knobs() = MakeKnob("synchronous_commit", v1::Knob::EXPOSED, "tuning");
  return offering;
}

// "Hide most knobs to accelerate launch": WEAKENS configurability 3, SUPPORTS simplicity 2.
inline v1::Decision HideMostKnobs(v1::Decision::State state = v1::Decision::ACCEPTED) {
  v1::Decision decision;
  decision.set_title(kHideKnobsTitle);
  decision.set_why(
      "Launch sooner: fewer configurable surfaces to validate and test, so customers get the "
      "service months earlier.");
  decision.set_how("Expose a handful of settings; fix every other parameter at its default.");
  decision.set_owning_function("engineering");
  *decision.add_effects() = MakeEffect("configurability", v1::Effect::WEAKENS, 3);
  *decision.add_effects() = MakeEffect("simplicity", v1::Effect::SUPPORTS, 2);
  auto* alternative = decision.add_alternatives();
  alternative->set_description("Expose every knob behind an advanced surface.");
  alternative->set_why_not("Twice the test matrix before launch.");
  decision.set_state(state);
  return decision;
}

// A valid, harmless decision used as a marker in the event log.
inline v1::Decision MarkerDecision() {
  v1::Decision decision;
  decision.set_title("Marker");
  decision.set_why("Marks a point in the log so the test can see what came before.");
  decision.set_owning_function("product");
  return decision;
}

}  // namespace throughline::offering::testing
