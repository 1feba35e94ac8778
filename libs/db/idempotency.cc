#include "libs/db/idempotency.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "libs/api/sha256.h"
#include "libs/errors/errors.h"

namespace throughline::db {
namespace {

// Keys older than this are forgotten: a replay after a day creates a new resource.
constexpr char kRetention[] = "24 hours";

constexpr char kClaim[] = R"sql(
  INSERT INTO idempotency_keys (organization, method, request_id, fingerprint)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (organization, method, request_id) DO NOTHING
  RETURNING 1)sql";
constexpr char kForgetExpired[] = R"sql(
  DELETE FROM idempotency_keys
  WHERE organization = $1 AND method = $2 AND request_id = $3
    AND create_time < now() - $4::interval)sql";
constexpr char kLookup[] = R"sql(
  SELECT fingerprint, response FROM idempotency_keys
  WHERE organization = $1 AND method = $2 AND request_id = $3)sql";
// A completed request still within the retention (an older one is forgotten by the next claim).
constexpr char kLookupCompleted[] = R"sql(
  SELECT fingerprint, response FROM idempotency_keys
  WHERE organization = $1 AND method = $2 AND request_id = $3
    AND response IS NOT NULL AND create_time >= now() - $4::interval)sql";
constexpr char kStore[] = R"sql(
  UPDATE idempotency_keys SET response = $4
  WHERE organization = $1 AND method = $2 AND request_id = $3)sql";

}  // namespace

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  if (const auto* field = copy->GetDescriptor()->FindFieldByName("request_id")) {
    copy->GetReflection()->ClearField(copy.get(), field);
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  return api::HexEncode(api::Sha256(bytes));
}

namespace {

absl::Status DifferentRequest(const IdempotencyKey& key) {
  return errors::InvalidField(
      "request_id",
      absl::StrCat("request_id \"", key.request_id, "\" was already used for a different ",
                   key.method, " request; use a new request_id for a new request"));
}

}  // namespace

absl::StatusOr<std::optional<std::string>> FindCompletedRequest(pqxx::transaction_base& tx,
                                                                const IdempotencyKey& key,
                                                                std::string_view fingerprint) {
  if (key.request_id.empty()) return std::nullopt;
  const pqxx::result existing = tx.exec_params(kLookupCompleted, key.organization, key.method,
                                               key.request_id, std::string(kRetention));
  if (existing.empty()) return std::nullopt;
  if (existing[0][0].as<std::string>() != fingerprint) return DifferentRequest(key);
  return std::string(pqxx::binarystring(existing[0][1]).str());
}

absl::StatusOr<std::optional<std::string>> ClaimRequestId(pqxx::work& tx,
                                                          const IdempotencyKey& key,
                                                          std::string_view fingerprint) {
  if (key.request_id.size() > 100) {
    return errors::InvalidField("request_id", "request_id is longer than 100 characters");
  }
  tx.exec_params0(kForgetExpired, key.organization, key.method, key.request_id,
                  std::string(kRetention));
  if (!tx.exec_params(kClaim, key.organization, key.method, key.request_id,
                      std::string(fingerprint))
           .empty()) {
    return std::nullopt;
  }
  const pqxx::result existing =
      tx.exec_params(kLookup, key.organization, key.method, key.request_id);
  if (existing.empty()) return absl::AbortedError("request id claim raced; retry");
  if (existing[0][0].as<std::string>() != fingerprint) return DifferentRequest(key);
  if (existing[0][1].is_null()) return absl::AbortedError("first request still in progress");
  return std::string(pqxx::binarystring(existing[0][1]).str());
}

void StoreResponse(pqxx::work& tx, const IdempotencyKey& key,
                   const google::protobuf::Message& response) {
  tx.exec_params0(kStore, key.organization, key.method, key.request_id,
                  pqxx::binarystring(response.SerializeAsString()));
}

}  // namespace throughline::db
