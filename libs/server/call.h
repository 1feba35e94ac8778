#pragma once

#include <functional>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/auth.h"
#include "libs/errors/errors.h"
#include "libs/server/rate_limiter.h"
#include "libs/server/worker_pool.h"

namespace throughline::server {

// What a handler knows about the call it serves.
struct CallContext {
  // The verified caller.
  auth::Principal principal;
  // When the work must be done: the client's deadline, capped by the server's limit.
  absl::Time deadline;
};

// Whether a call that lasts (a watch stream) may go on: the token it was authenticated with
// still names the principal it named then. The tokens may have been replaced since the call
// began (the tokens file was read again, TokensFileWatcher); a stream whose token was removed,
// or now names another principal or role, is ended with UNAUTHENTICATED, and the client's
// reconnection is authorized afresh. The token is checked again only after the tokens changed.
// Keep it no longer than the call: it reads the call's metadata.
class CallerCheck {
 public:
  CallerCheck(const auth::TokenAuthenticator& authenticator, const grpc::ServerContextBase& context,
              auth::Principal principal)
      : authenticator_(&authenticator), context_(&context), principal_(std::move(principal)) {}

  // Not thread-safe: the caller serializes its checks (the stream's lock).
  absl::Status Check();

 private:
  const auth::TokenAuthenticator* authenticator_;
  const grpc::ServerContextBase* context_;
  auth::Principal principal_;
  // Of the tokens last checked against. None at first, so the first check authenticates
  // again: the tokens may have changed between the call's authentication and this object.
  std::optional<uint64_t> generation_;
};

// What every RPC handler of a service needs from its host: the worker pool, the
// authenticator and the deadline policy. Shared by all handlers; thread-safe.
class CallRuntime {
 public:
  // `max_calls_per_second`: each organization's allowance (RateLimiter); <= 0, none.
  CallRuntime(WorkerPool& pool, const auth::TokenAuthenticator& authenticator,
              absl::Duration max_call_time, int max_calls_per_second)
      : pool_(pool),
        authenticator_(authenticator),
        max_call_time_(max_call_time),
        rate_limiter_(max_calls_per_second) {}

  // Authenticates the caller, takes the call from its organization's allowance (service
  // accounts have none: their calls follow the users') and derives the deadline of the work.
  absl::StatusOr<CallContext> Begin(const grpc::CallbackServerContext& context) const;

  // The status sent to the client: `status` unless the call was cancelled or ran out of time
  // meanwhile; INTERNAL errors are logged with the method.
  grpc::Status Complete(const grpc::CallbackServerContext& context,
                        const absl::Status& status) const;

  // Checks, while a lasting call goes on, that its caller still holds a valid token.
  CallerCheck Recheck(const grpc::ServerContextBase& context, auth::Principal principal) const {
    return CallerCheck(authenticator_, context, std::move(principal));
  }

  WorkerPool& pool() const { return pool_; }
  const auth::TokenAuthenticator& authenticator() const { return authenticator_; }

 private:
  WorkerPool& pool_;
  const auth::TokenAuthenticator& authenticator_;
  const absl::Duration max_call_time_;
  mutable RateLimiter rate_limiter_;
};

// The status answered when the worker queue is full.
absl::Status Overloaded();

// Finishes a call served by ServeUnaryAsync: called once with the handler's status, from any
// thread.
using Done = std::function<void(const absl::Status& status)>;

// Serves a unary RPC whose handler does not block: authenticates, then calls
// `handler(const CallContext&, Done) -> void` on the gRPC thread. The handler only starts its
// work (e.g. queues a read on a db::ReadCoalescer, whose threads do the waiting) and returns;
// whoever completes the work fills the response and calls `Done`. No worker is taken.
template <typename Handler>
grpc::ServerUnaryReactor* ServeUnaryAsync(grpc::CallbackServerContext* context,
                                          const CallRuntime& runtime, Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<CallContext> call = runtime.Begin(*context);
  if (!call.ok()) {
    reactor->Finish(errors::ToGrpcStatus(call.status()));
    return reactor;
  }
  handler(*call, [context, reactor, &runtime](const absl::Status& status) {
    reactor->Finish(runtime.Complete(*context, status));
  });
  return reactor;
}

// Serves a unary RPC: authenticates on the gRPC thread, then runs `handler(const
// CallContext&) -> absl::Status` on the worker pool and finishes the call with its status.
// The handler fills the response it captured; gRPC keeps request and response alive until
// the reactor finishes.
template <typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     const CallRuntime& runtime, Handler handler) {
  return ServeUnaryAsync(
      context, runtime,
      [context, &runtime, handler = std::move(handler)](const CallContext& call, Done done) {
        const bool queued = runtime.pool().TrySubmit([context, call, handler, done]() {
          if (context->IsCancelled()) {
            done(absl::CancelledError("the client cancelled the call"));
          } else if (absl::Now() >= call.deadline) {
            done(errors::DeadlineExceeded("the deadline expired while the call was queued"));
          } else {
            done(handler(call));
          }
        });
        if (!queued) done(Overloaded());
      });
}

}  // namespace throughline::server
