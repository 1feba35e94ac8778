// What the scenarios share on the client side: channels, call metadata and the one-call
// wrapper of the asynchronous (callback) API.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "tools/benchmark/load.h"

namespace throughline::benchmark {

struct ClientOptions {
  std::string token;
  // Each call's deadline.
  absl::Duration timeout = absl::Seconds(10);
  // Connections to spread the calls over (one HTTP/2 connection each).
  int channels = 1;
};

// `count` channels to `address` that do not share their connection.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& address, int count);

// Sets the bearer token and the deadline of `context`.
void Prepare(grpc::ClientContext& context, const ClientOptions& options);

// Starts one asynchronous unary call: `invoke(context, request, response, callback)` is the
// stub's async() method; `done(status, response)` runs once it completes. The call's state lives
// on the heap until gRPC calls back.
template <typename Request, typename Response, typename Invoke, typename Done>
void StartUnaryCall(const ClientOptions& options, Request request, Invoke invoke, Done done) {
  struct Call {
    grpc::ClientContext context;
    Request request;
    Response response;
  };
  // Owned by the callback below, which runs exactly once (gRPC's callback API contract).
  auto* call = new Call;
  call->request = std::move(request);
  Prepare(call->context, options);
  invoke(&call->context, &call->request, &call->response,
         [call, done = std::move(done)](grpc::Status status) {
           done(status, call->response);
           delete call;
         });
}

}  // namespace throughline::benchmark
