#include "tests/crashloop/task_check.h"

#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace throughline::crashloop {
namespace {

constexpr size_t kMaxExamples = 10;

// (offering, function, trigger subject, trigger revision): exactly one task each.
using Key = std::tuple<std::string, std::string, std::string, int64_t>;

std::string Describe(const Key& key) {
  return absl::StrCat(std::get<0>(key), " ", std::get<1>(key), " <- ", std::get<2>(key), "@",
                      std::get<3>(key));
}

}  // namespace

TaskCheck CheckTasks(const std::vector<Change>& committed,
                     const std::vector<std::string>& functions,
                     const std::vector<FoundTask>& found) {
  TaskCheck check;
  auto example = [&](std::string text) {
    if (check.examples.size() < kMaxExamples) check.examples.push_back(std::move(text));
  };

  std::set<Key> expected;
  for (const Change& change : committed) {
    for (const auto& offering : change.offerings) {
      for (const auto& function : functions) {
        expected.insert({offering, function, change.subject, change.revision});
      }
    }
  }
  check.expected = static_cast<int64_t>(expected.size());
  check.found = static_cast<int64_t>(found.size());

  std::map<Key, int> counts;
  // (offering, function) -> revision -> states of its tasks
  std::map<std::pair<std::string, std::string>, std::map<int64_t, std::vector<std::string>>>
      by_pair;
  for (const FoundTask& task : found) {
    const Key key{task.offering, task.function_id, task.trigger_subject, task.trigger_revision};
    ++counts[key];
    by_pair[{task.offering, task.function_id}][task.trigger_revision].push_back(task.state);
  }
  for (const Key& key : expected) {
    if (!counts.contains(key)) {
      ++check.lost;
      example(absl::StrCat("lost: ", Describe(key)));
    }
  }
  for (const auto& [key, count] : counts) {
    if (!expected.contains(key)) {
      check.unexpected += count;
      example(absl::StrCat("unexpected: ", Describe(key), " x", count));
    } else if (count > 1) {
      check.duplicated += count - 1;
      example(absl::StrCat("duplicated: ", Describe(key), " x", count));
    }
  }
  // Each (offering, function) has one trigger subject, so revisions order its tasks.
  for (const auto& [pair, revisions] : by_pair) {
    bool good = true;
    for (auto it = revisions.begin(); it != revisions.end(); ++it) {
      const bool newest = std::next(it) == revisions.end();
      for (const auto& state : it->second) {
        if (state != (newest ? "OPEN" : "SUPERSEDED")) good = false;
      }
    }
    if (!good) {
      ++check.supersede_violations;
      example(absl::StrCat("supersede: ", pair.first, " ", pair.second,
                           " newest task is not the only OPEN one"));
    }
  }
  return check;
}

}  // namespace throughline::crashloop
