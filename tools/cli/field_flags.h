// Flags that set fields of a resource, e.g. --display-name -> display_name, --need -> needs.
// The field's type decides how a value is read: strings as given, enums by name, numbers,
// repeated fields from a repeatable flag, small messages from their text form (value_syntax.h).
// The fields whose flags were given are the update_mask of an update.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "tools/cli/names.h"

namespace throughline::cli {

// One flag for one field.
struct FieldFlag {
  // The flag, e.g. "--display-name".
  std::string flag;
  // The field of the resource, e.g. "display_name".
  std::string field;
  // What the flag means; the accepted values are added for enums and text forms.
  std::string help;
  // When set, values are resource names of this pattern and may be given relative.
  const NamePattern* names = nullptr;
};

class FieldFlags {
 public:
  // Adds an option per flag to `command`. Every field must exist in `resource`.
  FieldFlags(CLI::App& command, const google::protobuf::Descriptor& resource,
             const std::vector<FieldFlag>& flags);

  FieldFlags(const FieldFlags&) = delete;
  FieldFlags& operator=(const FieldFlags&) = delete;

  // Sets the field of every flag that was given; a repeated field gets exactly the values
  // given. INVALID_ARGUMENT naming the flag when a value does not parse.
  absl::Status Apply(const Names& names, google::protobuf::Message& resource) const;

  // The fields whose flags were given, in the order the flags were declared.
  std::vector<std::string> GivenFields() const;

 private:
  struct Binding {
    FieldFlag flag;
    const google::protobuf::FieldDescriptor* field = nullptr;
    CLI::Option* option = nullptr;
    std::vector<std::string> values;
  };

  static std::unique_ptr<Binding> Bind(CLI::App& command,
                                       const google::protobuf::Descriptor& resource,
                                       const FieldFlag& flag);
  // Sets the field of one flag that was given.
  static absl::Status ApplyOne(const Binding& binding, const Names& names,
                               google::protobuf::Message& resource);

  // Bindings live at stable addresses: CLI11 writes into `values`.
  std::vector<std::unique_ptr<Binding>> bindings_;
};

}  // namespace throughline::cli
