#pragma once

#include <set>
#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace throughline::api {

// Copies the top-level fields named in `paths` from `source` to `destination`; repeated
// fields are replaced, not appended (AIP-134 update semantics).
void ApplyUpdate(const google::protobuf::Message& source, const std::set<std::string>& paths,
                 google::protobuf::Message* destination);

// The top-level fields among `paths` whose values differ between `before` and `after`, in the
// order given.
std::vector<std::string> ChangedPaths(const google::protobuf::Message& before,
                                      const google::protobuf::Message& after,
                                      const std::vector<std::string>& paths);

// Every top-level field name of `message`'s type, in field-number order.
std::vector<std::string> AllPaths(const google::protobuf::Message& message);

}  // namespace throughline::api
