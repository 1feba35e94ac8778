// The request/response scenarios: GetSegment and UpdateSegment (against segmentd or the echo
// server) and ListTasks by owner (against alignmentd).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tools/benchmark/client.h"
#include "tools/benchmark/load.h"

namespace throughline::benchmark {

// The calls of `method` spread over `channels`:
//   get    GetSegment of segment s-(i mod keys) of the benchmark market;
//   get_bulk  GetSegment of bulk-loaded segment bulk-(1 + i mod keys);
//   update UpdateSegment of the same segments, a new description each time (one revision and
//          one segment_changed event per call);
//   list   ListTasks of organizations/bench with filter owner = owner-(i mod keys)@bench.example.
absl::StatusOr<StartCall> MakeUnaryLoad(const std::string& method,
                                        const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                        const ClientOptions& options, int keys);

// Creates the benchmark market and its segments s-0 .. s-(segments-1); those that exist are
// kept as they are.
absl::Status Seed(const std::string& segment_address, const ClientOptions& options, int segments);

}  // namespace throughline::benchmark
