#pragma once

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "libs/errors/errors.h"

namespace throughline::api {

// Field checks shared by the services' validators. `path` is the field's path in the request,
// e.g. "segment.display_name".

inline constexpr size_t kMaxDisplayName = 200;
inline constexpr size_t kMaxLongText = 10'000;
inline constexpr size_t kMaxNote = 2'000;

inline std::string FieldPath(std::string_view prefix, std::string_view field) {
  return std::string(prefix) + "." + std::string(field);
}

inline void CheckLength(std::string_view value, size_t limit, const std::string& path,
                        errors::Violations& violations) {
  if (value.size() > limit) violations.Add(path, absl::StrCat("longer than ", limit, " bytes"));
}

// How many entries of a repeated field to check one by one: none when the list is over its
// limit, which is then its only violation. Checking each of 100,000 entries would answer with an
// error as large as the request, larger than a client accepts in a trailer.
inline int EntriesToCheck(int size, int limit) { return size > limit ? 0 : size; }

// A required text: `why_required` completes "<field> is required" when set.
inline void CheckRequiredText(std::string_view value, size_t limit, const std::string& path,
                              errors::Violations& violations,
                              std::string_view why_required = "") {
  if (value.empty()) {
    const std::string field = path.substr(path.rfind('.') + 1);
    violations.Add(path, why_required.empty() ? field + " is required"
                                              : std::string(why_required));
  } else {
    CheckLength(value, limit, path, violations);
  }
}

}  // namespace throughline::api
