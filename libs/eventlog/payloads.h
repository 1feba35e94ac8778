#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libs/api/changes.h"

namespace throughline::eventlog {

// Event payloads (…EventData messages): the before and after snapshots of a resource and the
// paths of the fields that changed. A create lists every field, as does a delete.
template <typename Data, typename Resource>
Data ChangedPayload(const Resource& before, const Resource& after,
                    std::vector<std::string> changed_paths) {
  Data data;
  *data.mutable_before() = before;
  *data.mutable_after() = after;
  for (auto& path : changed_paths) data.add_changed_paths(std::move(path));
  return data;
}

template <typename Data, typename Resource>
Data CreatedPayload(const Resource& after) {
  Data data;
  *data.mutable_after() = after;
  for (auto& path : api::AllPaths(after)) data.add_changed_paths(std::move(path));
  return data;
}

template <typename Data, typename Resource>
Data DeletedPayload(const Resource& before) {
  Data data;
  *data.mutable_before() = before;
  for (auto& path : api::AllPaths(before)) data.add_changed_paths(std::move(path));
  return data;
}

}  // namespace throughline::eventlog
