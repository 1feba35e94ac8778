#include "libs/server/request_parsing.h"

#include <map>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/unknown_field_set.h"

namespace throughline::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Nested messages deeper than this are not searched (protobuf's own limit is 100).
constexpr int kMaxDepth = 100;

bool IsUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = errors::Utf8SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// `bytes` are no serialized `type`; the caller names the field that holds them.
errors::FieldViolation NotAMessage(const Descriptor& type) {
  return {"", absl::StrCat("is not a serialized ", type.full_name(), " message")};
}

// Where and why `bytes` (a `type`) does not parse, looking into nested messages: the first
// string field whose value is not UTF-8 ("market.display_name", "needs[1].note"), or the first
// message whose bytes are no message, named by the path of its field ("" for `bytes` itself).
// std::nullopt when neither is found.
std::optional<errors::FieldViolation> FindUnparsable(const Descriptor& type, std::string_view bytes,
                                                     int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  UnknownFieldSet fields;
  if (!fields.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return NotAMessage(type);
  }
  std::map<int, int> occurrences;  // field number -> values seen so far
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    const int occurrence = occurrences[field.number()]++;
    const FieldDescriptor* descriptor = type.FindFieldByNumber(field.number());
    if (descriptor == nullptr || field.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    std::string path(descriptor->name());
    if (descriptor->is_repeated()) absl::StrAppend(&path, "[", occurrence, "]");
    const std::string& value = field.length_delimited();
    if (descriptor->type() == FieldDescriptor::TYPE_STRING && !IsUtf8(value)) {
      return errors::FieldViolation{path, "holds bytes that are not UTF-8; text must be UTF-8"};
    }
    if (descriptor->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (auto nested = FindUnparsable(*descriptor->message_type(), value, depth + 1)) {
        nested->field = nested->field.empty() ? path : absl::StrCat(path, ".", nested->field);
        return nested;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

absl::Status UnparsableRequest(const Descriptor& type, std::string_view bytes) {
  // Nothing found: protobuf refused what this walk accepts (a limit of its own).
  errors::FieldViolation found = FindUnparsable(type, bytes, 0).value_or(NotAMessage(type));
  // The request itself is not a message (a length running past its end, a field number 0…):
  // the violation names the request as a whole.
  if (found.field.empty()) found.field = "request";
  return errors::InvalidArgument({std::move(found)});
}

std::string BufferBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Valid() || !buffer.Dump(&slices).ok()) return bytes;  // no message was sent
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

}  // namespace throughline::server
