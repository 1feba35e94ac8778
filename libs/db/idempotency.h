#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "pqxx/pqxx"

namespace throughline::db {

// AIP-155 request ids. A create or custom method with a request_id runs inside
// RunIdempotent: the first request does the work and stores its response in the same
// transaction; a replay with the same id and the same request returns that stored response;
// the same id with a different request fails with INVALID_ARGUMENT. Concurrent replays
// serialize on the key's primary index, so exactly one does the work.
struct IdempotencyKey {
  std::string organization;
  std::string method;      // e.g. "CreateSegment"
  std::string request_id;  // empty: the request is not idempotent
};

// A stable digest of `request` with its request_id field cleared.
std::string RequestFingerprint(const google::protobuf::Message& request);

// Claims `key` in `tx`. Returns the serialized response of the first request when this is a
// replay, std::nullopt when the caller must do the work (and then call StoreResponse).
absl::StatusOr<std::optional<std::string>> ClaimRequestId(pqxx::work& tx,
                                                          const IdempotencyKey& key,
                                                          std::string_view fingerprint);

// Looks `key` up without claiming it: the stored response when a request with this id already
// completed, std::nullopt when it did not (or is still in progress), INVALID_ARGUMENT when the
// id was used for a different request. Lets a method answer a replay before work that must not
// be repeated or that may be unavailable, such as a call to another service; the claim in
// RunIdempotent still decides who does the work.
absl::StatusOr<std::optional<std::string>> FindCompletedRequest(pqxx::transaction_base& tx,
                                                                const IdempotencyKey& key,
                                                                std::string_view fingerprint);

// Records the response of the request that claimed `key`.
void StoreResponse(pqxx::work& tx, const IdempotencyKey& key,
                   const google::protobuf::Message& response);

// Runs `work` once per request id: on a replay fills `response` with the first result.
template <typename Work>
absl::Status RunIdempotent(pqxx::work& tx, const IdempotencyKey& key,
                           const google::protobuf::Message& request,
                           google::protobuf::Message* response, Work&& work) {
  if (key.request_id.empty()) return work();
  auto replay = ClaimRequestId(tx, key, RequestFingerprint(request));
  if (!replay.ok()) return replay.status();
  if (replay->has_value()) {
    if (!response->ParseFromString(**replay)) return absl::InternalError("corrupt stored response");
    return absl::OkStatus();
  }
  absl::Status status = work();
  if (status.ok()) StoreResponse(tx, key, *response);
  return status;
}

}  // namespace throughline::db
