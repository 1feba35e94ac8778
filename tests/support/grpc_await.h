#pragma once

// Helpers for tests that drive gRPC's asynchronous client API directly (header-only: the
// test targets that use it link gRPC themselves).

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
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

// Opens grpc.health.v1.Health/Watch of the whole server ("") over `stub`, with `context` and
// `queue`, and reads its first status: the open call, or null after a test failure when a step
// did not complete within 10 s. The watch then sends nothing until the status changes.
inline std::unique_ptr<grpc::GenericClientAsyncReaderWriter> OpenHealthWatch(
    grpc::GenericStub& stub, grpc::ClientContext& context, grpc::CompletionQueue& queue) {
  auto call = stub.PrepareCall(&context, "/grpc.health.v1.Health/Watch", &queue);
  const auto step_done = [&](void* tag, const char* step) {
    if (Await(queue, tag, absl::Now() + absl::Seconds(10)) == true) return true;
    ADD_FAILURE() << "Health/Watch: " << step << " did not complete";
    return false;
  };
  int start, write, writes_done, first;
  call->StartCall(&start);
  if (!step_done(&start, "start")) return nullptr;
  call->Write(HealthRequest(""), &write);
  if (!step_done(&write, "the request")) return nullptr;
  call->WritesDone(&writes_done);
  if (!step_done(&writes_done, "the end of the request")) return nullptr;
  grpc::ByteBuffer response;
  call->Read(&response, &first);
  if (!step_done(&first, "the first status")) return nullptr;
  return call;
}

// An open grpc.health.v1.Health/Watch (OpenHealthWatch) with what it lives on: its context
// (a 60 s deadline) and its completion queue, which the test drains (Drain) after Finish.
// `call` is null, after a test failure, when the watch could not be opened.
struct HealthWatch {
  explicit HealthWatch(grpc::GenericStub& stub) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    call = OpenHealthWatch(stub, context, queue);
  }

  grpc::ClientContext context;
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call;
};

}  // namespace throughline::testing
