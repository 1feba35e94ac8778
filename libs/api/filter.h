// The small subset of AIP-160 filtering Throughline supports: equality terms joined by AND,
// e.g. `state = OPEN AND owner = "erin@acme.example"`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace throughline::api {

inline constexpr size_t kMaxFilterLength = 2000;

struct FilterTerm {
  std::string field;
  // The value with quotes removed and escapes resolved.
  std::string value;
};

// Grammar:
//   filter := ws* [ term ( ws+ "AND" ws+ term )* ] ws*
//   term   := field ws* "=" ws* value
//   field  := [A-Za-z_][A-Za-z0-9_.]*
//   value  := [A-Za-z0-9_.-]+ | '"' ( [^"\\] | '\"' | '\\' )* '"'
// An empty or blank filter yields no terms. Each field may appear once and must be one of
// `allowed_fields`. Errors are INVALID_ARGUMENT violations on "filter": syntax errors say what
// was expected at which character (1-based), unknown fields list the allowed ones.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(std::string_view filter,
                                                    const std::vector<std::string>& allowed_fields);

}  // namespace throughline::api
