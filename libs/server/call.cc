#include "libs/server/call.h"

#include <chrono>

#include "libs/log/log.h"

namespace throughline::server {

absl::StatusOr<CallContext> CallRuntime::Begin(const grpc::CallbackServerContext& context) const {
  auto principal = authenticator_.Authenticate(context);
  if (!principal.ok()) return principal.status();
  const absl::Time now = absl::Now();
  if (principal->role != auth::Role::kService) {
    if (absl::Status admitted = rate_limiter_.Admit(principal->organization, now); !admitted.ok()) {
      return admitted;
    }
  }
  absl::Time deadline = now + max_call_time_;
  const auto client_deadline = context.deadline();
  if (client_deadline != std::chrono::system_clock::time_point::max()) {
    deadline = std::min(deadline, absl::FromChrono(client_deadline));
  }
  if (deadline <= now) return errors::DeadlineExceeded("the deadline expired before the call");
  return CallContext{*std::move(principal), deadline};
}

grpc::Status CallRuntime::Complete(const grpc::CallbackServerContext& context,
                                   const absl::Status& status) const {
  if (status.code() == absl::StatusCode::kInternal) {
    log::Error("internal error", {{"peer", context.peer()}, {"error", status.ToString()}});
  }
  return errors::ToGrpcStatus(status);
}

absl::Status CallerCheck::Check() {
  const uint64_t generation = authenticator_->generation();
  if (generation == generation_) return absl::OkStatus();
  generation_ = generation;
  auto principal = authenticator_->Authenticate(*context_);
  if (principal.ok() && *principal == principal_) return absl::OkStatus();
  return errors::Unauthenticated(
      "the token this stream was opened with is no longer accepted for its caller (the "
      "service's tokens changed); reconnect with a valid token");
}

absl::Status Overloaded() {
  return errors::ResourceExhausted(
      "OVERLOADED", "the server is overloaded: its work queue is full; retry with backoff");
}

}  // namespace throughline::server
