// What a create, update or preview says about a resource: `--json` input for anything, and
// field flags over it. An update changes exactly the fields given this way.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "tools/cli/field_flags.h"
#include "tools/cli/names.h"

namespace throughline::cli {

class ResourceInput {
 public:
  // Adds --json-input (given as `--json '{...}'`, see json_input.h) and the field flags.
  ResourceInput(CLI::App& command, const google::protobuf::Descriptor& resource,
                const std::vector<FieldFlag>& flags);

  // Fills `resource`: the JSON first, then the flags over it. INVALID_ARGUMENT when the JSON or
  // a flag value does not parse.
  absl::Status Build(const Names& names, google::protobuf::Message& resource);

  // After Build: the update_mask of an update, in order: the top-level JSON fields that are
  // `updatable` (so the output of `get --json` can be edited and sent back), then the fields of
  // the flags given.
  google::protobuf::FieldMask UpdateMask(const std::vector<std::string>& updatable) const;

 private:
  std::string json_;
  CLI::Option* json_option_;
  FieldFlags flags_;
  std::vector<std::string> json_fields_;
};

}  // namespace throughline::cli
