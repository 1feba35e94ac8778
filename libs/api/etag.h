// Etags after AIP-154: an opaque token of a resource's version that updates and deletes may
// carry to fail instead of overwriting a concurrent change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace throughline::api {

// A deterministic, opaque etag for version `version` of the resource with `uid`: a quoted string
// of 16 hex characters of a SHA-256, e.g. "\"3f2a9c0d41b7e8a5\"". Every replica computes the
// same etag, and a client cannot guess the next one from the version number.
std::string MakeEtag(std::string_view uid, int64_t version);

// OK when `provided` is empty (no precondition) or equals `current`; otherwise
// errors::EtagMismatch(name).
absl::Status CheckEtag(std::string_view provided, std::string_view current, std::string_view name);

}  // namespace throughline::api
