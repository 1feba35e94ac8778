// A resource given as protobuf JSON on the command line, for whatever the flags do not cover:
// `--json '{"displayName": "Cloud databases"}'` or `--json @market.json` (`@-` reads stdin).
//
// `--json` alone asks for JSON output; followed by a value that starts with '{' or '@' it
// supplies input instead. SeparateJsonInput tells the two apart before the arguments are parsed.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace throughline::cli {

// The option that carries JSON input after SeparateJsonInput.
inline constexpr char kJsonInputOption[] = "--json-input";

// `args` with every `--json VALUE` and `--json=VALUE` whose value starts with '{' or '@'
// rewritten to `--json-input VALUE`. Other arguments are unchanged.
std::vector<std::string> SeparateJsonInput(std::vector<std::string> args);

// The JSON text of an input value: the value itself, or the contents of the file after '@'
// ("@-" is stdin).
absl::StatusOr<std::string> ReadJsonInput(absl::string_view value);

// Merges the JSON object `json` into `message` and returns the names of its top-level fields
// as given (e.g. {"display_name", "needs"}), including fields set to their default, so an
// update can clear a field. INVALID_ARGUMENT when the JSON does not fit the message.
absl::StatusOr<std::vector<std::string>> MergeJson(absl::string_view json,
                                                   google::protobuf::Message& message);

}  // namespace throughline::cli
