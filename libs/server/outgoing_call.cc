#include "libs/server/outgoing_call.h"

#include "absl/strings/str_cat.h"
#include "libs/errors/errors.h"
#include "libs/log/log.h"

namespace throughline::server {

std::shared_ptr<grpc::Channel> DialService(const std::string& address, const Keepalive& keepalive) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
              static_cast<int>(absl::ToInt64Milliseconds(keepalive.time)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
              static_cast<int>(absl::ToInt64Milliseconds(keepalive.timeout)));
  // gRPC stops pinging after two pings without data by default: an idle watch sends none.
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

OutgoingCall::OutgoingCall(std::string callee, std::string service_token)
    : callee_(std::move(callee)), authorization_(absl::StrCat("Bearer ", service_token)) {}

void OutgoingCall::Prepare(grpc::ClientContext& context, absl::Time deadline) const {
  context.set_deadline(absl::ToChronoTime(deadline));
  context.AddMetadata("authorization", authorization_);
}

absl::Status OutgoingCall::Failed(const grpc::Status& status) const {
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return errors::FromGrpcStatus(status);
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      log::Error("a service refused this service's credentials",
                 {{"callee", callee_}, {"error", status.error_message()}});
      return errors::Internal(absl::StrCat("this service is not authorized to call the ", callee_,
                                           " service; check its service token"));
    default:
      return errors::Unavailable(absl::StrCat("the ", callee_, " service is unavailable (",
                                              status.error_message(),
                                              "); nothing was changed, retry later"));
  }
}

}  // namespace throughline::server
