// Reads the field violations of a status the way a client would.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "libs/errors/errors.h"

namespace throughline::api::testing {

using FieldAndDescription = std::pair<std::string, std::string>;

inline std::vector<FieldAndDescription> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldAndDescription> out;
  std::optional<google::rpc::BadRequest> bad_request = errors::GetBadRequest(status);
  if (!bad_request.has_value()) return out;
  for (const auto& v : bad_request->field_violations()) {
    out.emplace_back(v.field(), v.description());
  }
  return out;
}

}  // namespace throughline::api::testing
