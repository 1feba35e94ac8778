// Update masks (libs/api/field_mask.h) and their application (libs/api/changes.h) for every
// Update method's resource.
//
// Input: byte 0 picks the resource; then a length-prefixed google.protobuf.FieldMask and the
// resource (both protobuf wire format) the client sends. A mask either resolves to a non-empty
// subset of the updatable fields ("*": all of them) or is refused with a field error; applying
// it changes no field outside the mask.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_checks.h"
#include "google/protobuf/field_mask.pb.h"
#include "libs/api/changes.h"
#include "libs/api/field_mask.h"
#include "throughline/alignment/v1/resources.pb.h"
#include "throughline/offering/v1/resources.pb.h"
#include "throughline/segment/v1/resources.pb.h"

namespace {

using throughline::fuzz::CheckClientError;

struct Updatable {
  std::unique_ptr<google::protobuf::Message> prototype;
  // Copied from the catalogs' k…Updatable lists (services/*/…_catalog.cc).
  std::vector<std::string> paths;
};

const std::vector<Updatable>& Resources() {
  namespace segment = throughline::segment::v1;
  namespace offering = throughline::offering::v1;
  namespace alignment = throughline::alignment::v1;
  static const auto* resources = [] {
    auto* list = new std::vector<Updatable>();
    list->push_back({std::make_unique<segment::Market>(),
                     {"display_name", "decision", "rationale", "evidence_notes"}});
    list->push_back({std::make_unique<segment::Segment>(),
                     {"display_name", "description", "needs", "targeting", "priority"}});
    list->push_back({std::make_unique<offering::Offering>(),
                     {"display_name", "target_segment", "value_proposition", "rationale",
                      "positioning", "pricing_model", "onboarding", "support_model",
                      "sales_motion", "operational_guarantees", "knobs"}});
    list->push_back({std::make_unique<offering::Decision>(),
                     {"title", "why", "how", "owning_function", "effects", "alternatives",
                      "state", "superseded_by"}});
    list->push_back({std::make_unique<alignment::Function>(),
                     {"display_name", "owner", "escalation_owner", "areas"}});
    list->push_back(
        {std::make_unique<alignment::Commitment>(), {"statement", "local_metrics"}});
    return list;
  }();
  return *resources;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace api = throughline::api;
  FuzzedDataProvider input(data, size);
  const Updatable& resource = Resources()[input.ConsumeIntegral<uint8_t>() % Resources().size()];
  google::protobuf::FieldMask mask;
  if (!mask.ParseFromString(input.ConsumeRandomLengthString(1000))) return 0;
  std::unique_ptr<google::protobuf::Message> source(resource.prototype->New());
  if (!source->ParseFromString(input.ConsumeRemainingBytesAsString())) return 0;

  auto paths = api::ResolveUpdateMask(mask, resource.paths);
  if (!paths.ok()) {
    FUZZ_CHECK(paths.status().code() == absl::StatusCode::kInvalidArgument);
    CheckClientError(paths.status());
    return 0;
  }
  FUZZ_CHECK(!paths->empty());
  for (const std::string& path : *paths) {
    FUZZ_CHECK(std::find(resource.paths.begin(), resource.paths.end(), path) !=
               resource.paths.end());
  }
  const bool wildcard = std::find(mask.paths().begin(), mask.paths().end(), "*") !=
                        mask.paths().end();
  if (wildcard) FUZZ_CHECK(paths->size() == resource.paths.size());

  // Applied to a stored resource (here: an empty one with an output-only field set), the
  // update changes only masked fields, and every masked field then equals the source's.
  std::unique_ptr<google::protobuf::Message> before(resource.prototype->New());
  const auto* name = before->GetDescriptor()->FindFieldByName("name");
  before->GetReflection()->SetString(before.get(), name, "organizations/acme/stored");
  std::unique_ptr<google::protobuf::Message> after(before->New());
  after->CopyFrom(*before);
  api::ApplyUpdate(*source, *paths, after.get());
  for (const std::string& changed : api::ChangedPaths(*before, *after, api::AllPaths(*before))) {
    FUZZ_CHECK(paths->contains(changed));
  }
  const std::vector<std::string> masked(paths->begin(), paths->end());
  FUZZ_CHECK(api::ChangedPaths(*source, *after, masked).empty());
  return 0;
}
