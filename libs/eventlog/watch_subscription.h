#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "libs/eventlog/event_log.h"
#include "libs/server/call.h"

namespace throughline::eventlog {

// A validated Watch…Events request.
struct WatchSubscription {
  std::string organization;
  EventFilter filter;
  // The caller, for the stream's later checks of its token (server::CallerCheck).
  auth::Principal principal;
};

// Checks a Watch…Events request before its stream starts: the caller's token, that `parent`
// ("organizations/{organization}") is the caller's organization, that `cursor` belongs to an
// event log, and the filter (`type = "..."` and/or `subject = "<resource name>"`; a subject
// outside the organization is PERMISSION_DENIED).
absl::StatusOr<WatchSubscription> AuthorizeWatch(const server::CallRuntime& runtime,
                                                 const grpc::CallbackServerContext& context,
                                                 std::string_view parent,
                                                 std::string_view cursor,
                                                 std::string_view filter);

}  // namespace throughline::eventlog
