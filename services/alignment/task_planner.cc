#include "services/alignment/task_planner.h"

#include <map>
#include <set>

#include "libs/api/resource_name.h"
#include "libs/api/resources.h"

namespace throughline::alignment {

std::vector<v1::NeedChange> NeedChanges(
    const google::protobuf::RepeatedPtrField<type::v1::Need>& before,
    const google::protobuf::RepeatedPtrField<type::v1::Need>& after) {
  std::map<std::string, const type::v1::Need*> old_needs;
  for (const auto& need : before) old_needs[need.dimension()] = &need;
  std::vector<v1::NeedChange> changes;
  std::set<std::string> seen;
  for (const auto& need : after) {
    seen.insert(need.dimension());
    v1::NeedChange change;
    change.set_dimension(need.dimension());
    change.set_importance_after(need.importance());
    const auto old = old_needs.find(need.dimension());
    if (old == old_needs.end()) {
      change.set_kind(v1::NeedChange::APPEARED);
    } else if (old->second->importance() != need.importance()) {
      change.set_kind(v1::NeedChange::IMPORTANCE_CHANGED);
      change.set_importance_before(old->second->importance());
    } else if (old->second->note() != need.note()) {
      change.set_kind(v1::NeedChange::NOTE_CHANGED);
      change.set_importance_before(old->second->importance());
    } else {
      continue;
    }
    changes.push_back(std::move(change));
  }
  for (const auto& need : before) {
    if (seen.contains(need.dimension())) continue;
    v1::NeedChange change;
    change.set_dimension(need.dimension());
    change.set_kind(v1::NeedChange::DISAPPEARED);
    change.set_importance_before(need.importance());
    changes.push_back(std::move(change));
  }
  return changes;
}

v1::Task PlanTask(const v1::Trigger& trigger, const AffectedOffering& affected,
                  const SegmentChange& change, const v1::Function& function, absl::Time due) {
  const std::string function_id = api::IdOf(function.name());
  v1::Task task;
  task.set_offering(affected.offering.name());
  task.set_function(function.name());
  task.set_owner(function.owner());
  *task.mutable_trigger() = trigger;
  task.set_value_proposition(affected.offering.value_proposition());
  task.set_rationale(affected.offering.rationale());
  task.set_segment(change.after.name());
  task.set_segment_revision(change.after.revision());
  task.set_previous_segment(change.before.name());
  *task.mutable_needs_before() = change.before.needs();
  *task.mutable_needs_after() = change.after.needs();
  for (auto& need_change : NeedChanges(change.before.needs(), change.after.needs())) {
    *task.add_need_changes() = std::move(need_change);
  }
  for (int area : function.areas()) task.add_areas(static_cast<v1::Area>(area));

  std::map<std::string, const offering::v1::Decision*> decisions;
  for (const auto& decision : affected.accepted_decisions) decisions[decision.name()] = &decision;
  for (const auto& finding : affected.coherence.findings()) {
    if (finding.kind() != offering::v1::Finding::INCOHERENCE) continue;
    const auto decision = decisions.find(finding.resource());
    if (decision == decisions.end() || decision->second->owning_function() != function_id) {
      continue;
    }
    auto* incoherent = task.add_incoherent_decisions();
    incoherent->set_decision(finding.resource());
    incoherent->set_title(decision->second->title());
    incoherent->set_why(decision->second->why());
    incoherent->set_finding(finding.message());
    incoherent->set_dimension(finding.dimension());
  }
  *task.mutable_due_time() = api::ToTimestamp(due);
  task.set_state(v1::Task::OPEN);
  return task;
}

}  // namespace throughline::alignment
