// The short text forms of the small messages resources are made of, as flags take them and
// tables show them:
//   need       DIMENSION=IMPORTANCE[:NOTE]               configurability=CRITICAL:deep control
//   effect     DIMENSION=SUPPORTS|WEAKENS:STRENGTH       configurability=WEAKENS:3
//   knob       KEY=EXPOSURE[:DEFAULT[:DIMENSION]] synchronous_commit=HIDDEN:on:configurability
//   guarantee  NAME=TARGET[:NOTE]                        availability=99.95%:monthly
//   metric     NAME=[DIMENSION][:NOTE]                   p99 provisioning time=time_to_value:5 min
//   alternative DESCRIPTION[:WHY_NOT]                    Expose every knob:too slow to validate
// Enum values are case-insensitive and may use '-' for '_'.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace throughline::cli {

// The number of the value of `type` named `text`; INVALID_ARGUMENT listing the valid names
// otherwise. The *_UNSPECIFIED value is never accepted.
absl::StatusOr<int> ParseEnum(const google::protobuf::EnumDescriptor& type, absl::string_view text);

// The names a person may give for `type`, e.g. "COMPETE, WATCH, EXIT".
std::string EnumChoices(const google::protobuf::EnumDescriptor& type);

// Whether `type` (e.g. throughline.type.v1.Need) has a short text form.
bool HasTextForm(const google::protobuf::Descriptor& type);

// The syntax of the text form of `type`, for help and errors, e.g. "DIMENSION=IMPORTANCE[:NOTE]".
std::string TextFormSyntax(const google::protobuf::Descriptor& type);

// Parses the text form into `item`, whose type must have one. INVALID_ARGUMENT saying what was
// expected otherwise.
absl::Status ParseTextForm(absl::string_view text, google::protobuf::Message& item);

// The text form of `item`, or nullopt when its type has none.
std::optional<std::string> FormatTextForm(const google::protobuf::Message& item);

}  // namespace throughline::cli
