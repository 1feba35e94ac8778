#include "libs/api/resource_name.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/errors/errors.h"

namespace throughline::api {
namespace {

constexpr size_t kMaxIdLength = 63;

absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsVariable(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// "{organization}" -> "organization"; "{market_group}" -> "market group".
std::string VariableWords(std::string_view segment) {
  return absl::StrReplaceAll(ToAbsl(segment.substr(1, segment.size() - 2)), {{"_", " "}});
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  for (absl::string_view s : absl::StrSplit(ToAbsl(path), '/')) {
    segments.emplace_back(s.data(), s.size());
  }
  return segments;
}

}  // namespace

std::optional<std::string> DescribeInvalidResourceId(std::string_view id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxIdLength) {
    return absl::StrCat("is ", id.size(), " characters long; at most ", kMaxIdLength,
                        " are allowed");
  }
  if (!IsLower(id.front())) {
    if (id.front() >= 'A' && id.front() <= 'Z') {
      return "must start with a lowercase letter (IDs are lowercase)";
    }
    return "must start with a lowercase letter";
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (IsLower(c) || IsDigit(c) || c == '-') continue;
    const std::string what = c >= 'A' && c <= 'Z' ? "uppercase " : "";
    // Quote the whole character: half of a UTF-8 sequence would be unreadable. Every earlier
    // character is ASCII, so the byte index is also the character index.
    const size_t length = std::max<size_t>(errors::Utf8SequenceLength(id, i), 1);
    return absl::StrCat("contains ", what, errors::Quote(id.substr(i, length)), " at character ",
                        i + 1, "; only lowercase letters, digits and '-' are allowed");
  }
  if (id.back() == '-') return "must not end with '-'";
  return std::nullopt;
}

absl::Status ValidateResourceId(std::string_view id, std::string_view field) {
  if (id.empty()) {
    return errors::InvalidField(std::string(field), absl::StrCat(ToAbsl(field), " is required; ",
                                                                 ToAbsl(kResourceIdRules)));
  }
  std::optional<std::string> problem = DescribeInvalidResourceId(id);
  if (!problem.has_value()) return absl::OkStatus();
  return errors::InvalidField(
      std::string(field), absl::StrCat(errors::Quote(id), " is not a valid ID: it ", *problem, "; ",
                                       ToAbsl(kResourceIdRules)));
}

absl::StatusOr<std::vector<std::string>> ParseName(std::string_view pattern, std::string_view name,
                                                   std::string_view field, bool allow_wildcard) {
  if (name.empty()) {
    return errors::InvalidField(std::string(field), absl::StrCat(ToAbsl(field), " is required"));
  }
  const std::vector<std::string_view> expected = Segments(pattern);
  const std::vector<std::string_view> actual = Segments(name);
  // Built only for a wrong name: GetSegment parses a name on every call.
  auto mismatch = [&] {
    return errors::InvalidField(
        std::string(field),
        absl::StrCat("expected ", errors::Quote(pattern), ", got ", errors::Quote(name)));
  };
  if (expected.size() != actual.size()) return mismatch();
  for (size_t i = 0; i < expected.size(); ++i) {
    if (!IsVariable(expected[i]) && expected[i] != actual[i]) return mismatch();
  }

  std::vector<std::string> ids;
  errors::Violations violations;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (!IsVariable(expected[i])) continue;
    const std::string_view id = actual[i];
    ids.emplace_back(id);
    if (id == kWildcard) {
      if (!allow_wildcard) {
        violations.Add(
            std::string(field),
            absl::StrCat("the wildcard \"-\" is not allowed for the ", VariableWords(expected[i]),
                         " in ", errors::Quote(name), "; name one ", VariableWords(expected[i])));
      }
      continue;
    }
    std::optional<std::string> problem = DescribeInvalidResourceId(id);
    if (problem.has_value() && !IsGeneratedId(id)) {
      violations.Add(std::string(field),
                     absl::StrCat(VariableWords(expected[i]), " ID ", errors::Quote(id), " in ",
                                  errors::Quote(name), " is not valid: it ", *problem, "; ",
                                  ToAbsl(kResourceIdRules)));
    }
  }
  if (!violations.empty()) return violations.ToStatus();
  return ids;
}

bool IsGeneratedId(std::string_view id) {
  // 8-4-4-4-12 lowercase hex digits.
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string OrganizationName(std::string_view organization_id) {
  return absl::StrCat("organizations/", ToAbsl(organization_id));
}

std::string IdOf(std::string_view name) { return std::string(name.substr(name.rfind('/') + 1)); }

}  // namespace throughline::api
