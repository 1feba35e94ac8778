#include "libs/api/changes.h"

#include <memory>

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

std::vector<std::string> ChangedPaths(const google::protobuf::Message& before,
                                      const google::protobuf::Message& after,
                                      const std::vector<std::string>& paths) {
  std::vector<std::string> changed;
  const auto* descriptor = before.GetDescriptor();
  for (const auto& path : paths) {
    const auto* field = descriptor->FindFieldByName(path);
    if (field == nullptr) continue;
    google::protobuf::util::MessageDifferencer differencer;
    std::vector<const google::protobuf::FieldDescriptor*> only = {field};
    if (!differencer.CompareWithFields(before, after, only, only)) changed.push_back(path);
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
