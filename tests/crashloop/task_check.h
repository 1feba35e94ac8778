// The crash loop's verdict, queue-checker style: the tasks that must exist for the committed
// changes (DESIGN.md §5: one task per affected offering, per function, per triggering
// revision) against the tasks that do exist.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/crashloop/change_driver.h"

namespace throughline::crashloop {

// A task as stored: whose it is, what triggered it, and its state.
struct FoundTask {
  std::string offering;
  std::string function_id;
  std::string trigger_subject;
  int64_t trigger_revision = 0;
  std::string state;  // OPEN, SUPERSEDED, ...
};

struct TaskCheck {
  int64_t expected = 0;    // tasks the committed changes call for
  int64_t found = 0;       // tasks that exist
  int64_t lost = 0;        // expected, not found
  int64_t duplicated = 0;  // found more than once: the extra copies
  int64_t unexpected = 0;  // found, but no committed change calls for them
  // (offering, function) pairs whose newest task is not the only OPEN one, every older one
  // SUPERSEDED: the newest strategy replaces the stale.
  int64_t supersede_violations = 0;
  std::vector<std::string> examples;  // a few of the problems, for the report

  bool ok() const {
    return lost == 0 && duplicated == 0 && unexpected == 0 && supersede_violations == 0;
  }
};

// `functions` are the function ids of the organization (every change reaches each of them).
TaskCheck CheckTasks(const std::vector<Change>& committed,
                     const std::vector<std::string>& functions,
                     const std::vector<FoundTask>& found);

}  // namespace throughline::crashloop
