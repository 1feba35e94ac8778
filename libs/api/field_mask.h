// Update masks after AIP-134.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/field_mask.pb.h"

namespace throughline::api {

// The set of paths an update may change. An empty mask is an error (a partial update must say
// what it changes); "*" alone means every updatable path; every path that is unknown or not
// updatable is reported as a violation on "update_mask.paths[i]".
absl::StatusOr<std::set<std::string>> ResolveUpdateMask(
    const google::protobuf::FieldMask& mask, const std::vector<std::string>& updatable_paths);

}  // namespace throughline::api
