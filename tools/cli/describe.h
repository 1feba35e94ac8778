// Any message as text a person reads, through reflection: a table cell for one field, or a
// key/value block for a whole resource.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace throughline::cli {

// One field of `message` as a single line: scalars as text, enums by name, timestamps in
// RFC 3339, small messages in their text form (value_syntax.h), repeated fields joined with
// ", ". `path` may name a nested field, e.g. "resolution.kind". Empty when unset.
std::string FieldText(const google::protobuf::Message& message, absl::string_view path);

// The key/value block of a message: a "field: value" line per set field, in declaration
// order, with nested messages and list items indented below their field:
//   name:          organizations/demo/markets/cloud-databases
//   decision:      COMPETE
//   evidence_notes:
//     - Managed database spend grows 20% a year
std::string Describe(const google::protobuf::Message& message);

// A timestamp message as "2024-05-01T12:00:00Z" (seconds precision, UTC).
std::string TimestampText(const google::protobuf::Message& timestamp);

}  // namespace throughline::cli
