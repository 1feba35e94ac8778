#pragma once

#include <string>

#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "pqxx/pqxx"

namespace throughline::db {

// Resources are stored as their protobuf JSON mapping in jsonb columns, so the database stays
// readable with psql and survives field additions.
std::string ToJson(const google::protobuf::Message& message);

// Parses a jsonb field into `message`; throws pqxx::data_exception-like std::runtime_error on a
// corrupt row (a bug, not user input), which RunTransaction reports as INTERNAL.
void FromJson(const pqxx::field& field, google::protobuf::Message* message);

// High-volume tables (alignment's tasks) store each resource as serialized protobuf in a bytea
// column `body_pb` instead, because protobuf's JSON mapping is slow (BENCHMARKS.md). Reads the
// resource from `binary` when it is not NULL, else from the JSON `json` (rows written before
// the table switched); throws std::runtime_error on a corrupt row like FromJson.
void FromStored(const pqxx::field& json, const pqxx::field& binary,
                google::protobuf::Message* message);

// A Timestamp as text PostgreSQL parses into timestamptz.
std::string ToSqlTime(const google::protobuf::Timestamp& timestamp);

}  // namespace throughline::db
