// What a failed call looks like to a person (the error with its field violations and reason)
// and to a script (an exit code per kind of failure).
#pragma once

#include <grpcpp/support/status.h>

#include <string>

namespace throughline::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitInvalid = 2;      // INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE
inline constexpr int kExitNotFound = 3;     // NOT_FOUND
inline constexpr int kExitConflict = 4;     // ALREADY_EXISTS, ABORTED
inline constexpr int kExitDenied = 5;       // PERMISSION_DENIED, UNAUTHENTICATED
inline constexpr int kExitUnavailable = 6;  // UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED
inline constexpr int kExitOther = 7;

// The exit code for a call that ended with `code`.
int ExitCodeFor(grpc::StatusCode code);

// "INVALID_ARGUMENT", "NOT_FOUND", ...
std::string StatusCodeName(grpc::StatusCode code);

// The lines shown for a failed call:
//   error: INVALID_ARGUMENT: invalid request: segment.needs[0].importance: ...
//     segment.needs[0].importance: importance is required
//     reason: INVALID_ARGUMENT
std::string DescribeError(const grpc::Status& status);

// The exit codes, for --help and the README.
std::string ExitCodeHelp();

}  // namespace throughline::cli
