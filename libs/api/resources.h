#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace throughline::api {

// The id of a new resource: the client's `requested` id, validated, or a generated UUID.
absl::StatusOr<std::string> NewResourceId(std::string_view requested, std::string_view field,
                                          absl::BitGenRef random);

// A resource timestamp. PostgreSQL keeps microseconds, so resources do too: what a client
// reads back equals what was returned on write.
google::protobuf::Timestamp ToTimestamp(absl::Time time);

// Parses an AIP-160 filter of `field = value` terms (see filter.h) into a map from each
// allowed field to its value; absent fields map to "".
absl::StatusOr<std::map<std::string, std::string>> FilterValues(
    std::string_view filter, const std::vector<std::string>& allowed_fields);

// Clears the output-only fields every resource has, so that what clients send there is
// ignored (AIP-203).
template <typename Resource>
void ClearOutputOnly(Resource& resource) {
  resource.clear_name();
  resource.clear_uid();
  resource.clear_create_time();
  resource.clear_update_time();
  resource.clear_etag();
}

}  // namespace throughline::api
