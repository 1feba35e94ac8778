#include "tools/cli/json_input.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace throughline::cli {
namespace {

constexpr absl::string_view kJsonFlag = "--json";

bool IsJsonInput(absl::string_view value) {
  return absl::StartsWith(value, "{") || absl::StartsWith(value, "@");
}

// The field of `type` named `key` in proto ("display_name") or JSON ("displayName") form.
const google::protobuf::FieldDescriptor* FieldForKey(const google::protobuf::Descriptor& type,
                                                     const std::string& key) {
  for (int i = 0; i < type.field_count(); ++i) {
    const auto* field = type.field(i);
    if (field->name() == key || field->json_name() == key) return field;
  }
  return nullptr;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  if (path == "-") {
    std::stringstream text;
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream file(path);
  if (!file) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

std::vector<std::string> SeparateJsonInput(std::vector<std::string> args) {
  std::vector<std::string> separated;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const std::string inline_prefix = absl::StrCat(kJsonFlag, "=");
    if (absl::StartsWith(arg, inline_prefix) && IsJsonInput(arg.substr(inline_prefix.size()))) {
      separated.push_back(kJsonInputOption);
      separated.push_back(arg.substr(inline_prefix.size()));
    } else if (arg == kJsonFlag && i + 1 < args.size() && IsJsonInput(args[i + 1])) {
      separated.push_back(kJsonInputOption);
      separated.push_back(args[++i]);
    } else {
      separated.push_back(arg);
    }
  }
  return separated;
}

absl::StatusOr<std::string> ReadJsonInput(absl::string_view value) {
  if (absl::StartsWith(value, "@")) return ReadFile(std::string(value.substr(1)));
  return std::string(value);
}

absl::StatusOr<std::vector<std::string>> MergeJson(absl::string_view json,
                                                   google::protobuf::Message& message) {
  google::protobuf::Struct object;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), &object);
      !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--json: not a JSON object: ", parsed.message().as_string()));
  }
  std::unique_ptr<google::protobuf::Message> given(message.New());
  if (auto parsed = google::protobuf::util::JsonStringToMessage(std::string(json), given.get());
      !parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--json: not a ", message.GetDescriptor()->name(), ": ", parsed.message().as_string()));
  }
  message.MergeFrom(*given);
  std::vector<const google::protobuf::FieldDescriptor*> given_fields;
  for (const auto& [key, value] : object.fields()) {
    if (const auto* field = FieldForKey(*message.GetDescriptor(), key)) {
      given_fields.push_back(field);
    }
  }
  // In declaration order: JSON objects have none, and masks read better in a stable one.
  std::sort(given_fields.begin(), given_fields.end(),
            [](const auto* a, const auto* b) { return a->index() < b->index(); });
  std::vector<std::string> names;
  for (const auto* field : given_fields) names.push_back(field->name());
  return names;
}

}  // namespace throughline::cli
