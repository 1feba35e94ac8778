#include "tools/cli/field_flags.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/cli/value_syntax.h"

namespace throughline::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string HelpFor(const FieldFlag& flag, const FieldDescriptor& field) {
  std::string help = flag.help;
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    absl::StrAppend(&help, " (", EnumChoices(*field.enum_type()), ")");
  }
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    absl::StrAppend(&help, " (", TextFormSyntax(*field.message_type()), ")");
  }
  if (field.is_repeated()) absl::StrAppend(&help, "; repeatable, the values replace the list");
  return help;
}

absl::Status NotANumber(absl::string_view value) {
  return absl::InvalidArgumentError(absl::StrCat("\"", value, "\" is not a number"));
}

// Each Set* sets a singular field or appends to a repeated one.

absl::Status SetText(const FieldDescriptor& field, const std::string& value, Message& message) {
  const Reflection& reflection = *message.GetReflection();
  field.is_repeated() ? reflection.AddString(&message, &field, value)
                      : reflection.SetString(&message, &field, value);
  return absl::OkStatus();
}

absl::Status SetEnum(const FieldDescriptor& field, const std::string& value, Message& message) {
  auto number = ParseEnum(*field.enum_type(), value);
  if (!number.ok()) return number.status();
  const Reflection& reflection = *message.GetReflection();
  field.is_repeated() ? reflection.AddEnumValue(&message, &field, *number)
                      : reflection.SetEnumValue(&message, &field, *number);
  return absl::OkStatus();
}

absl::Status SetInteger(const FieldDescriptor& field, const std::string& value, Message& message) {
  int64_t number = 0;
  const bool is_32 = field.cpp_type() == FieldDescriptor::CPPTYPE_INT32;
  if (!absl::SimpleAtoi(value, &number) || (is_32 && (number < INT32_MIN || number > INT32_MAX))) {
    return NotANumber(value);
  }
  const Reflection& reflection = *message.GetReflection();
  if (field.is_repeated()) {
    is_32 ? reflection.AddInt32(&message, &field, number)
          : reflection.AddInt64(&message, &field, number);
  } else {
    is_32 ? reflection.SetInt32(&message, &field, number)
          : reflection.SetInt64(&message, &field, number);
  }
  return absl::OkStatus();
}

absl::Status SetMessage(const FieldDescriptor& field, const std::string& value, Message& message) {
  const Reflection& reflection = *message.GetReflection();
  return ParseTextForm(value, field.is_repeated() ? *reflection.AddMessage(&message, &field)
                                                  : *reflection.MutableMessage(&message, &field));
}

absl::Status SetValue(const FieldDescriptor& field, const std::string& value, Message& message) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return SetText(field, value, message);
    case FieldDescriptor::CPPTYPE_ENUM:
      return SetEnum(field, value, message);
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      return SetInteger(field, value, message);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return SetMessage(field, value, message);
    default:
      return absl::InvalidArgumentError(absl::StrCat(field.name(), " cannot be set by a flag"));
  }
}

}  // namespace

FieldFlags::FieldFlags(CLI::App& command, const google::protobuf::Descriptor& resource,
                       const std::vector<FieldFlag>& flags) {
  for (const FieldFlag& flag : flags) bindings_.push_back(Bind(command, resource, flag));
}

std::unique_ptr<FieldFlags::Binding> FieldFlags::Bind(CLI::App& command,
                                                      const google::protobuf::Descriptor& resource,
                                                      const FieldFlag& flag) {
  auto binding = std::make_unique<Binding>();
  binding->flag = flag;
  binding->field = resource.FindFieldByName(flag.field);
  if (binding->field == nullptr) {
    std::cerr << "internal error: " << resource.full_name() << " has no field " << flag.field
              << "\n";
    std::abort();
  }
  binding->option = command.add_option(flag.flag, binding->values, HelpFor(flag, *binding->field));
  if (binding->field->is_repeated()) {
    binding->option->allow_extra_args(false);  // one value per occurrence
  } else {
    binding->option->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  return binding;
}

absl::Status FieldFlags::Apply(const Names& names, google::protobuf::Message& resource) const {
  for (const auto& binding : bindings_) {
    if (binding->option->count() == 0) continue;
    if (absl::Status applied = ApplyOne(*binding, names, resource); !applied.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(binding->flag.flag, ": ", applied.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status FieldFlags::ApplyOne(const Binding& binding, const Names& names,
                                  google::protobuf::Message& resource) {
  if (binding.field->is_repeated()) resource.GetReflection()->ClearField(&resource, binding.field);
  for (const std::string& given : binding.values) {
    const std::string value =
        binding.flag.names == nullptr ? given : names.Resolve(*binding.flag.names, given);
    if (absl::Status set = SetValue(*binding.field, value, resource); !set.ok()) return set;
  }
  return absl::OkStatus();
}

std::vector<std::string> FieldFlags::GivenFields() const {
  std::vector<std::string> fields;
  for (const auto& binding : bindings_) {
    if (binding->option->count() == 0) continue;
    if (std::find(fields.begin(), fields.end(), binding->field->name()) == fields.end()) {
      fields.push_back(binding->field->name());
    }
  }
  return fields;
}

}  // namespace throughline::cli
