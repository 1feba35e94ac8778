#include "libs/api/changes.h"

#include <algorithm>
#include <memory>
#include <set>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace throughline::api {

using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

void ApplyUpdate(const google::protobuf::Message& source, const std::set<std::string>& paths,
                 google::protobuf::Message* destination) {
  FieldMask mask;
  for (const auto& path : paths) mask.add_paths(path);
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(source, mask, options, destination);
}

namespace {

// Collects the top-level fields that differ, so that one comparison covers every field.
class TopLevelFields : public google::protobuf::util::MessageDifferencer::Reporter {
 public:
  using SpecificField = google::protobuf::util::MessageDifferencer::SpecificField;

  void ReportAdded(const google::protobuf::Message&, const google::protobuf::Message&,
                   const std::vector<SpecificField>& path) override {
    Add(path);
  }
  void ReportDeleted(const google::protobuf::Message&, const google::protobuf::Message&,
                     const std::vector<SpecificField>& path) override {
    Add(path);
  }
  void ReportModified(const google::protobuf::Message&, const google::protobuf::Message&,
                      const std::vector<SpecificField>& path) override {
    Add(path);
  }

  bool Contains(const google::protobuf::FieldDescriptor* field) const {
    return fields_.contains(field);
  }

 private:
  void Add(const std::vector<SpecificField>& path) {
    if (!path.empty() && path.front().field != nullptr) fields_.insert(path.front().field);
  }

  std::set<const google::protobuf::FieldDescriptor*> fields_;
};

// Whether a message-typed field is certainly equal in both messages: the same presence and
// the same serialized bytes (equal bytes parse to equal messages). False means "compare it
// field by field": bytes can differ for equal messages (map order, unknown fields).
bool SameBytes(const google::protobuf::Message& before, const google::protobuf::Message& after,
               const google::protobuf::FieldDescriptor* field) {
  if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) return false;
  const auto* reflection = before.GetReflection();
  if (!field->is_repeated()) {
    return reflection->HasField(before, field) == reflection->HasField(after, field) &&
           reflection->GetMessage(before, field).SerializeAsString() ==
               reflection->GetMessage(after, field).SerializeAsString();
  }
  const int size = reflection->FieldSize(before, field);
  if (size != reflection->FieldSize(after, field)) return false;
  for (int i = 0; i < size; ++i) {
    if (reflection->GetRepeatedMessage(before, field, i).SerializeAsString() !=
        reflection->GetRepeatedMessage(after, field, i).SerializeAsString()) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> ChangedPaths(const google::protobuf::Message& before,
                                      const google::protobuf::Message& after,
                                      const std::vector<std::string>& paths) {
  const auto* descriptor = before.GetDescriptor();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  for (const auto& path : paths) {
    if (const auto* field = descriptor->FindFieldByName(path)) fields.push_back(field);
  }
  // Message fields whose bytes are equal need no reflective comparison, which costs far more
  // (a fan-out compares 500 superseded tasks, BENCHMARKS.md); the rest are compared in one pass.
  std::vector<const google::protobuf::FieldDescriptor*> compared;
  for (const auto* field : fields) {
    if (!SameBytes(before, after, field)) compared.push_back(field);
  }
  std::sort(compared.begin(), compared.end());
  compared.erase(std::unique(compared.begin(), compared.end()), compared.end());
  TopLevelFields differing;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesTo(&differing);
  differencer.CompareWithFields(before, after, compared, compared);
  std::vector<std::string> changed;
  for (const auto* field : fields) {
    if (differing.Contains(field)) changed.push_back(field->name());
  }
  return changed;
}

std::vector<std::string> AllPaths(const google::protobuf::Message& message) {
  std::vector<std::string> paths;
  const auto* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) paths.push_back(descriptor->field(i)->name());
  return paths;
}

}  // namespace throughline::api
