#include "libs/api/resources.h"

#include <utility>

#include "google/protobuf/util/time_util.h"
#include "libs/api/filter.h"
#include "libs/api/resource_name.h"
#include "libs/api/uuid.h"

namespace throughline::api {

absl::StatusOr<std::string> NewResourceId(std::string_view requested, std::string_view field,
                                          absl::BitGenRef random) {
  if (requested.empty()) return NewUuid(random);
  if (absl::Status valid = ValidateResourceId(requested, field); !valid.ok()) return valid;
  return std::string(requested);
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

absl::StatusOr<std::map<std::string, std::string>> FilterValues(
    std::string_view filter, const std::vector<std::string>& allowed_fields) {
  auto terms = ParseFilter(filter, allowed_fields);
  if (!terms.ok()) return terms.status();
  std::map<std::string, std::string> values;
  for (const auto& field : allowed_fields) values[field] = "";
  for (auto& term : *terms) values[term.field] = std::move(term.value);
  return values;
}

}  // namespace throughline::api
