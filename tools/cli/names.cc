#include "tools/cli/names.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace throughline::cli {
namespace {

constexpr absl::string_view kOrganizations = "organizations/";

// "a/b" with pattern {"markets", "segments"} -> "markets/a/segments/b".
std::string PlaceIds(const NamePattern& pattern, const std::vector<std::string>& ids) {
  std::string relative;
  for (size_t i = 0; i < ids.size(); ++i) {
    absl::StrAppend(&relative, i == 0 ? "" : "/", pattern.collections[i], "/", ids[i]);
  }
  return relative;
}

}  // namespace

Names::Names(absl::string_view organization)
    : organization_(absl::StartsWith(organization, kOrganizations)
                        ? std::string(organization)
                        : absl::StrCat(kOrganizations, organization)) {}

std::string Names::Resolve(const NamePattern& pattern, absl::string_view input) const {
  if (input.empty() || absl::StartsWith(input, kOrganizations)) return std::string(input);
  const std::vector<std::string> parts = absl::StrSplit(input, '/');
  if (parts.front() != pattern.collections.front() && parts.size() == pattern.collections.size()) {
    return absl::StrCat(organization_, "/", PlaceIds(pattern, parts));
  }
  return Qualify(input);
}

std::string Names::Qualify(absl::string_view input) const {
  if (input.empty() || absl::StartsWith(input, kOrganizations)) return std::string(input);
  return absl::StrCat(organization_, "/", input);
}

std::string Names::Relative(absl::string_view name) const {
  const std::string prefix = absl::StrCat(organization_, "/");
  if (absl::StartsWith(name, prefix)) name.remove_prefix(prefix.size());
  return std::string(name);
}

}  // namespace throughline::cli
