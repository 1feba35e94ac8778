#include "tools/cli/resource_input.h"

#include <algorithm>

#include "tools/cli/json_input.h"

namespace throughline::cli {
namespace {

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

ResourceInput::ResourceInput(CLI::App& command, const google::protobuf::Descriptor& resource,
                             const std::vector<FieldFlag>& flags)
    : json_option_(command.add_option(kJsonInputOption, json_,
                                      "The " + resource.name() +
                                          " in protobuf JSON, inline or @FILE (@- for stdin); "
                                          "written --json '{...}' or --json @FILE; flags "
                                          "override its fields")),
      flags_(command, resource, flags) {}

absl::Status ResourceInput::Build(const Names& names, google::protobuf::Message& resource) {
  if (json_option_->count() > 0) {
    auto json = ReadJsonInput(json_);
    if (!json.ok()) return json.status();
    auto fields = MergeJson(*json, resource);
    if (!fields.ok()) return fields.status();
    json_fields_ = *std::move(fields);
  }
  return flags_.Apply(names, resource);
}

google::protobuf::FieldMask ResourceInput::UpdateMask(
    const std::vector<std::string>& updatable) const {
  google::protobuf::FieldMask mask;
  auto add = [&mask](const std::string& path) {
    if (!Contains({mask.paths().begin(), mask.paths().end()}, path)) mask.add_paths(path);
  };
  for (const std::string& field : json_fields_) {
    if (Contains(updatable, field)) add(field);
  }
  for (const std::string& field : flags_.GivenFields()) add(field);
  return mask;
}

}  // namespace throughline::cli
