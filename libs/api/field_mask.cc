#include "libs/api/field_mask.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/errors/errors.h"

namespace throughline::api {

absl::StatusOr<std::set<std::string>> ResolveUpdateMask(
    const google::protobuf::FieldMask& mask, const std::vector<std::string>& updatable_paths) {
  if (mask.paths_size() == 0) {
    return errors::InvalidField(
        "update_mask", "update_mask is required: name the fields to change, or \"*\" for all");
  }
  const std::string updatable = absl::StrJoin(updatable_paths, ", ");
  errors::Violations violations;
  std::set<std::string> paths;
  bool wildcard = false;
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    const std::string field = absl::StrCat("update_mask.paths[", i, "]");
    if (path == "*") {
      wildcard = true;
      if (mask.paths_size() > 1) {
        violations.Add(field, "\"*\" must be the only path: it already names every field");
      }
      continue;
    }
    if (std::find(updatable_paths.begin(), updatable_paths.end(), path) == updatable_paths.end()) {
      violations.Add(field, absl::StrCat(errors::Quote(path),
                                         " cannot be updated; updatable fields: ", updatable));
      continue;
    }
    paths.insert(path);
  }
  if (!violations.empty()) return violations.ToStatus();
  if (wildcard) return std::set<std::string>(updatable_paths.begin(), updatable_paths.end());
  return paths;
}

}  // namespace throughline::api
