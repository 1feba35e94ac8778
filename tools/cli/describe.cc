#include "tools/cli/describe.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "tools/cli/value_syntax.h"

namespace throughline::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Messages shown on one line rather than as a nested block.
bool IsOneLine(const google::protobuf::Descriptor& type) {
  return HasTextForm(type) || &type == google::protobuf::Timestamp::descriptor() ||
         &type == google::protobuf::Duration::descriptor() ||
         &type == google::protobuf::Any::descriptor();
}

std::string MessageText(const Message& message) {
  const auto* type = message.GetDescriptor();
  if (type == google::protobuf::Timestamp::descriptor()) return TimestampText(message);
  if (type == google::protobuf::Duration::descriptor()) {
    return absl::StrCat(static_cast<const google::protobuf::Duration&>(message).seconds(), "s");
  }
  if (type == google::protobuf::Any::descriptor()) {
    return static_cast<const google::protobuf::Any&>(message).type_url();
  }
  return FormatTextForm(message).value_or(message.ShortDebugString());
}

// One value of `field`: element `index` of a repeated field, or the value of a singular one.
std::string ValueText(const Message& message, const FieldDescriptor& field, int index) {
  const auto& reflection = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? reflection.GetRepeatedString(message, &field, index)
                      : reflection.GetString(message, &field);
    case FieldDescriptor::CPPTYPE_ENUM:
      return repeated ? reflection.GetRepeatedEnum(message, &field, index)->name()
                      : reflection.GetEnum(message, &field)->name();
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? reflection.GetRepeatedInt32(message, &field, index)
                                   : reflection.GetInt32(message, &field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(repeated ? reflection.GetRepeatedInt64(message, &field, index)
                                   : reflection.GetInt64(message, &field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? reflection.GetRepeatedBool(message, &field, index)
                       : reflection.GetBool(message, &field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageText(repeated ? reflection.GetRepeatedMessage(message, &field, index)
                                  : reflection.GetMessage(message, &field));
    default:
      return "";
  }
}

std::vector<std::string> Lines(const Message& message);

std::vector<std::string> Indented(const std::vector<std::string>& lines, absl::string_view first,
                                  absl::string_view rest) {
  std::vector<std::string> indented;
  for (const std::string& line : lines) {
    indented.push_back(absl::StrCat(indented.empty() ? first : rest, line));
  }
  return indented;
}

void Append(std::vector<std::string>& lines, const std::vector<std::string>& more) {
  lines.insert(lines.end(), more.begin(), more.end());
}

bool IsBlock(const FieldDescriptor& field) {
  return field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !IsOneLine(*field.message_type());
}

// "- value" per element; a nested message as a block whose first line carries the "- ".
std::vector<std::string> ListLines(const Message& message, const FieldDescriptor& field) {
  std::vector<std::string> lines = {absl::StrCat(field.name(), ":")};
  const int size = message.GetReflection()->FieldSize(message, &field);
  for (int i = 0; i < size; ++i) {
    if (IsBlock(field)) {
      const Message& item = message.GetReflection()->GetRepeatedMessage(message, &field, i);
      Append(lines, Indented(Lines(item), "  - ", "    "));
    } else {
      lines.push_back(absl::StrCat("  - ", ValueText(message, field, i)));
    }
  }
  return lines;
}

// "name:   value", continuation lines of a multi-line value aligned under the first.
// Values start two columns after the colon of the longest key.
std::string KeyValueLine(const std::string& key, size_t width, const std::string& value) {
  const std::string value_column(width + 3, ' ');
  return absl::StrCat(key, ":", std::string(width - key.size() + 2, ' '),
                      absl::StrReplaceAll(value, {{"\n", "\n" + value_column}}));
}

std::vector<std::string> Lines(const Message& message) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  size_t width = 0;
  for (const auto* field : fields) {
    if (!field->is_repeated() && !IsBlock(*field)) width = std::max(width, field->name().size());
  }
  std::vector<std::string> lines;
  for (const auto* field : fields) {
    if (field->is_repeated()) {
      Append(lines, ListLines(message, *field));
    } else if (IsBlock(*field)) {
      lines.push_back(absl::StrCat(field->name(), ":"));
      Append(lines,
             Indented(Lines(message.GetReflection()->GetMessage(message, field)), "  ", "  "));
    } else {
      lines.push_back(KeyValueLine(field->name(), width, ValueText(message, *field, 0)));
    }
  }
  return lines;
}

}  // namespace

std::string FieldText(const Message& message, absl::string_view path) {
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  const Message* holder = &message;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const auto* field = holder->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr || field->is_repeated() || !IsBlock(*field)) return "";
    holder = &holder->GetReflection()->GetMessage(*holder, field);
  }
  const auto* field = holder->GetDescriptor()->FindFieldByName(parts.back());
  if (field == nullptr) return "";
  if (!field->is_repeated()) {
    return holder->GetReflection()->HasField(*holder, field) ? ValueText(*holder, *field, 0) : "";
  }
  std::vector<std::string> values;
  for (int i = 0; i < holder->GetReflection()->FieldSize(*holder, field); ++i) {
    values.push_back(ValueText(*holder, *field, i));
  }
  return absl::StrJoin(values, ", ");
}

std::string Describe(const Message& message) {
  std::string text;
  for (const std::string& line : Lines(message)) absl::StrAppend(&text, line, "\n");
  return text;
}

std::string TimestampText(const Message& timestamp) {
  const auto& value = static_cast<const google::protobuf::Timestamp&>(timestamp);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(value.seconds()),
                          absl::UTCTimeZone());
}

}  // namespace throughline::cli
