// The echo baseline: SegmentService's GetSegment and UpdateSegment answered from memory, on the
// same server setup and call path as the real services (ServerHost, token authentication on the
// gRPC thread, the bounded worker pool, ServeUnary). Comparing a service with it isolates what
// the service itself costs: validation, the database and the protobuf/JSON mapping.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "libs/auth/auth.h"
#include "libs/server/call.h"
#include "libs/server/request_parsing.h"
#include "libs/server/server_host.h"
#include "libs/server/service_flags.h"
#include "libs/server/worker_pool.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"

namespace throughline::benchmark {

class EchoSegmentService final
    : public server::ParsesItsRequests<segment::v1::SegmentService::CallbackService> {
 public:
  explicit EchoSegmentService(const server::CallRuntime& runtime);

  // The benchmark segment, named as asked.
  grpc::ServerUnaryReactor* GetSegment(grpc::CallbackServerContext* context,
                                       const segment::v1::GetSegmentRequest* request,
                                       segment::v1::Segment* response) override;

  // The segment sent, one revision later; nothing is stored.
  grpc::ServerUnaryReactor* UpdateSegment(grpc::CallbackServerContext* context,
                                          const segment::v1::UpdateSegmentRequest* request,
                                          segment::v1::Segment* response) override;

 private:
  const server::CallRuntime& runtime_;
};

// A running echo server; the other SegmentService methods answer UNIMPLEMENTED.
class EchoServer {
 public:
  static absl::StatusOr<std::unique_ptr<EchoServer>> Start(const server::ServiceFlags& flags,
                                                           auth::TokenAuthenticator authenticator);
  ~EchoServer();  // Shutdown().

  int port() const { return host_->port(); }

  void Shutdown();

 private:
  EchoServer(const server::ServiceFlags& flags, auth::TokenAuthenticator authenticator);

  // Declared in construction order, like the services' servers.
  const auth::TokenAuthenticator authenticator_;
  server::WorkerPool workers_;
  server::CallRuntime runtime_;
  EchoSegmentService service_;
  std::unique_ptr<server::ServerHost> host_;
};

}  // namespace throughline::benchmark
