#include "tools/benchmark/echo_server.h"

#include <utility>

#include "google/protobuf/util/time_util.h"
#include "tools/benchmark/bench_data.h"

namespace throughline::benchmark {
namespace {

using google::protobuf::util::TimeUtil;

// What the real service returns for a benchmark segment: every output field set.
segment::v1::Segment StoredSegment(const std::string& name, int64_t revision) {
  segment::v1::Segment segment = BenchSegment();
  segment.set_name(name);
  segment.set_uid("0b1f6c1e-7a4d-4a53-9a51-4d1c2f0e8b7a");
  segment.set_revision(revision);
  *segment.mutable_create_time() = TimeUtil::GetCurrentTime();
  *segment.mutable_update_time() = segment.create_time();
  segment.set_etag("\"5c0ffee0d15ea5e5\"");  // the size of a real etag
  return segment;
}

}  // namespace

EchoSegmentService::EchoSegmentService(const server::CallRuntime& runtime) : runtime_(runtime) {
  // Like segmentd, which parses its requests the same way; the methods the echo server does
  // not answer keep the generated UNIMPLEMENTED.
  const char* service = segment::v1::SegmentService::service_full_name();
  ParseRequest(this, service, "GetSegment", &EchoSegmentService::GetSegment);
  ParseRequest(this, service, "UpdateSegment", &EchoSegmentService::UpdateSegment);
}

grpc::ServerUnaryReactor* EchoSegmentService::GetSegment(
    grpc::CallbackServerContext* context, const segment::v1::GetSegmentRequest* request,
    segment::v1::Segment* response) {
  // The call path of segmentd's GetSegment (ServeUnaryAsync, no worker), answered at once.
  return server::ServeUnaryAsync(
      context, runtime_, [request, response](const server::CallContext&, server::Done done) {
        *response = StoredSegment(request->name(), 1);
        done(absl::OkStatus());
      });
}

grpc::ServerUnaryReactor* EchoSegmentService::UpdateSegment(
    grpc::CallbackServerContext* context, const segment::v1::UpdateSegmentRequest* request,
    segment::v1::Segment* response) {
  return server::ServeUnary(context, runtime_, [request, response](const server::CallContext&) {
    *response = StoredSegment(request->segment().name(), 2);
    response->set_description(request->segment().description());
    return absl::OkStatus();
  });
}

EchoServer::EchoServer(const server::ServiceFlags& flags, auth::TokenAuthenticator authenticator)
    : authenticator_(std::move(authenticator)),
      workers_(flags.workers, flags.max_queue),
      runtime_(workers_, authenticator_, absl::Seconds(flags.max_call_seconds),
               flags.max_calls_per_second),
      service_(runtime_),
      host_(std::make_unique<server::ServerHost>(
          server::ServerOptionsFrom(flags, "throughline.segment.v1.SegmentService"))) {}

absl::StatusOr<std::unique_ptr<EchoServer>> EchoServer::Start(
    const server::ServiceFlags& flags, auth::TokenAuthenticator authenticator) {
  std::unique_ptr<EchoServer> server(new EchoServer(flags, std::move(authenticator)));
  server->host_->AddService(&server->service_);
  if (absl::Status started = server->host_->Start(); !started.ok()) return started;
  return server;
}

EchoServer::~EchoServer() { Shutdown(); }

void EchoServer::Shutdown() {
  host_->Shutdown();
  workers_.Shutdown();
}

}  // namespace throughline::benchmark
