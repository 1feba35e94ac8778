#pragma once

// Helpers for tests that drive gRPC's asynchronous client API directly (header-only: the
// test targets that use it link gRPC themselves).

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace throughline::testing {

// Waits for the completion of `tag` on `queue` until `deadline`; whether it succeeded, or
// std::nullopt when it did not complete in time.
inline std::optional<bool> Await(grpc::CompletionQueue& queue, void* tag, absl::Time deadline) {
  void* got = nullptr;
  bool ok = false;
  if (queue.AsyncNext(&got, &ok, absl::ToChronoTime(deadline)) !=
      grpc::CompletionQueue::GOT_EVENT) {
    return std::nullopt;
  }
  EXPECT_EQ(got, tag);
  return ok;
}

// Shuts `queue` down and takes what is left on it, as gRPC requires before its destruction.
inline void Drain(grpc::CompletionQueue& queue) {
  queue.Shutdown();
  void* tag;
  bool ok;
  while (queue.Next(&tag, &ok)) {
  }
}

// A serialized grpc.health.v1.HealthCheckRequest{service: `service`} (shorter than 128 bytes).
inline grpc::ByteBuffer HealthRequest(const std::string& service) {
  std::string bytes;
  if (!service.empty()) {
    bytes = absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service);
  }
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace throughline::testing
