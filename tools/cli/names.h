// Resource names as a person types them: in full ("organizations/demo/markets/cloud-databases"),
// relative to the organization ("markets/cloud-databases"), or as the bare ids of the name
// ("cloud-databases"; "cloud-databases/diy-power-users" for a segment).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace throughline::cli {

// The collections of a resource name pattern below the organization, e.g. {"markets",
// "segments"} for "organizations/{organization}/markets/{market}/segments/{segment}".
struct NamePattern {
  std::vector<std::string> collections;
};

inline const NamePattern kMarketName{{"markets"}};
inline const NamePattern kSegmentName{{"markets", "segments"}};
inline const NamePattern kOfferingName{{"offerings"}};
inline const NamePattern kDecisionName{{"offerings", "decisions"}};
inline const NamePattern kFunctionName{{"functions"}};
inline const NamePattern kCommitmentName{{"offerings", "commitments"}};
inline const NamePattern kTaskName{{"tasks"}};

// Turns what a person typed into full resource names of one organization. Never fails: a name
// of the wrong shape is passed on, and the server says what is wrong with it.
class Names {
 public:
  // `organization` is an id ("demo") or a name ("organizations/demo").
  explicit Names(absl::string_view organization = "demo");

  // "organizations/<id>".
  const std::string& Organization() const { return organization_; }

  // A full name of `pattern` for `input`: full names are kept, names starting with the first
  // collection get the organization in front, and bare ids are placed into the pattern.
  std::string Resolve(const NamePattern& pattern, absl::string_view input) const;

  // A full name for a name of any kind: full names are kept, anything else is taken as
  // relative to the organization.
  std::string Qualify(absl::string_view input) const;

  // `name` without the organization prefix when it is in this organization, for display.
  std::string Relative(absl::string_view name) const;

 private:
  std::string organization_;
};

}  // namespace throughline::cli
