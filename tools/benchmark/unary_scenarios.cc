#include "tools/benchmark/unary_scenarios.h"

#include <atomic>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"
#include "tools/benchmark/bench_data.h"

namespace throughline::benchmark {
namespace {

namespace seg = segment::v1;
namespace aln = alignment::v1;

// Stubs over the channels and a call counter that picks the channel and the key.
template <typename Service>
struct Rotation {
  std::vector<std::unique_ptr<typename Service::Stub>> stubs;
  std::atomic<int64_t> next{0};

  explicit Rotation(const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
    for (const auto& channel : channels) stubs.push_back(Service::NewStub(channel));
  }
  // The call's number and its stub.
  std::pair<int64_t, typename Service::Stub*> Next() {
    const int64_t n = next.fetch_add(1, std::memory_order_relaxed);
    return {n, stubs[static_cast<size_t>(n) % stubs.size()].get()};
  }
};

// Reports only the status of a call, not its response.
auto Ignoring(CallDone done) {
  return [done = std::move(done)](const grpc::Status& status, const auto& /*response*/) {
    done(status);
  };
}

// A page of ListTasks by owner as the bulk data must give it: tasks, all of `owner`, each
// with its own name. (The bulk loader writes the tasks' binary bodies in SQL; a mistake there
// would show up here as the template task's name or owner.) DATA_LOSS otherwise, so the run
// counts it as an error.
grpc::Status CheckOwnersPage(const aln::ListTasksResponse& response, const std::string& owner) {
  std::set<std::string> names;
  for (const auto& task : response.tasks()) {
    if (task.owner() != owner || !names.insert(task.name()).second) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS,
                          absl::StrCat("task ", task.name(), " of ", task.owner(),
                                       " in the page of ", owner, " (or twice)"));
    }
  }
  if (names.empty()) return grpc::Status(grpc::StatusCode::DATA_LOSS, "empty page of " + owner);
  return grpc::Status::OK;
}

}  // namespace

absl::StatusOr<StartCall> MakeUnaryLoad(const std::string& method,
                                        const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                        const ClientOptions& options, int keys) {
  if (keys <= 0) return absl::InvalidArgumentError("--keys must be positive");
  if (method == "get" || method == "get_bulk") {
    auto rotation = std::make_shared<Rotation<seg::SegmentService>>(channels);
    const auto name = method == "get" ? &SegmentName : &BulkSegmentName;
    return StartCall([rotation, options, keys, name](absl::Time, CallDone done) {
      auto [n, stub] = rotation->Next();
      seg::GetSegmentRequest request;
      request.set_name(name(static_cast<int>(n % keys)));
      StartUnaryCall<seg::GetSegmentRequest, seg::Segment>(
          options, std::move(request),
          [stub](auto* context, auto* request, auto* response, auto callback) {
            stub->async()->GetSegment(context, request, response, std::move(callback));
          },
          Ignoring(std::move(done)));
    });
  }
  if (method == "update") {
    auto rotation = std::make_shared<Rotation<seg::SegmentService>>(channels);
    return StartCall([rotation, options, keys](absl::Time, CallDone done) {
      auto [n, stub] = rotation->Next();
      seg::UpdateSegmentRequest request;
      request.mutable_segment()->set_name(SegmentName(static_cast<int>(n % keys)));
      // A description no earlier call wrote, so every call changes the segment.
      request.mutable_segment()->set_description(
          absl::StrCat("Advanced users who prefer strong DIY configurability (", n, ")."));
      request.mutable_update_mask()->add_paths("description");
      StartUnaryCall<seg::UpdateSegmentRequest, seg::Segment>(
          options, std::move(request),
          [stub](auto* context, auto* request, auto* response, auto callback) {
            stub->async()->UpdateSegment(context, request, response, std::move(callback));
          },
          Ignoring(std::move(done)));
    });
  }
  if (method == "list") {
    auto rotation = std::make_shared<Rotation<aln::AlignmentService>>(channels);
    return StartCall([rotation, options, keys](absl::Time, CallDone done) {
      auto [n, stub] = rotation->Next();
      aln::ListTasksRequest request;
      request.set_parent(kOrganization);
      // A stride coprime with the usual owner counts, so consecutive calls hit distant owners.
      const std::string owner = BulkOwner(static_cast<int>((n * 7919) % keys));
      request.set_filter(absl::StrCat("owner = \"", owner, "\""));
      StartUnaryCall<aln::ListTasksRequest, aln::ListTasksResponse>(
          options, std::move(request),
          [stub](auto* context, auto* request, auto* response, auto callback) {
            stub->async()->ListTasks(context, request, response, std::move(callback));
          },
          [done = std::move(done), owner](const grpc::Status& status,
                                          const aln::ListTasksResponse& response) {
            done(status.ok() ? CheckOwnersPage(response, owner) : status);
          });
    });
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown method ", method));
}

absl::Status Seed(const std::string& segment_address, const ClientOptions& options, int segments) {
  auto stub = seg::SegmentService::NewStub(MakeChannels(segment_address, 1).front());
  const auto acceptable = [](const grpc::Status& status) {
    return status.ok() || status.error_code() == grpc::StatusCode::ALREADY_EXISTS;
  };
  {
    grpc::ClientContext context;
    Prepare(context, options);
    seg::CreateMarketRequest request;
    request.set_parent(kOrganization);
    request.set_market_id(kMarketId);
    request.mutable_market()->set_display_name("Cloud databases");
    request.mutable_market()->set_decision(seg::Market::COMPETE);
    request.mutable_market()->set_rationale("Managed database spend grows fast.");
    seg::Market market;
    if (grpc::Status status = stub->CreateMarket(&context, request, &market); !acceptable(status)) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          "CreateMarket: " + status.error_message());
    }
  }
  for (int i = 0; i < segments; ++i) {
    grpc::ClientContext context;
    Prepare(context, options);
    seg::CreateSegmentRequest request;
    request.set_parent(MarketName());
    request.set_segment_id(SegmentId(i));
    *request.mutable_segment() = BenchSegment();
    seg::Segment segment;
    if (grpc::Status status = stub->CreateSegment(&context, request, &segment);
        !acceptable(status)) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          "CreateSegment: " + status.error_message());
    }
  }
  return absl::OkStatus();
}

}  // namespace throughline::benchmark
