#include "libs/db/proto_json.h"

#include <stdexcept>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace throughline::db {

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) throw std::runtime_error("cannot encode JSON: " + status.ToString());
  return json;
}

void FromJson(const pqxx::field& field, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // rows written by a newer version
  const auto status = google::protobuf::util::JsonStringToMessage(field.c_str(), message, options);
  if (!status.ok()) throw std::runtime_error("corrupt stored resource: " + status.ToString());
}

void FromStored(const pqxx::field& json, const pqxx::field& binary,
                google::protobuf::Message* message) {
  if (binary.is_null()) return FromJson(json, message);
  if (!message->ParseFromString(pqxx::binarystring(binary).str())) {
    throw std::runtime_error("corrupt stored resource: cannot parse " +
                             message->GetDescriptor()->full_name());
  }
}

std::string ToSqlTime(const google::protobuf::Timestamp& timestamp) {
  return google::protobuf::util::TimeUtil::ToString(timestamp);
}

}  // namespace throughline::db
