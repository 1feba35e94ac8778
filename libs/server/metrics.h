#pragma once

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace throughline::server {

// Server metrics with the names and labels of go-grpc-prometheus, so existing dashboards and
// alerts work unchanged: grpc_server_started_total, grpc_server_handled_total (with
// grpc_code), grpc_server_msg_received_total, grpc_server_msg_sent_total and the
// grpc_server_handling_seconds histogram, labelled grpc_type, grpc_service, grpc_method.
class GrpcMetrics {
 public:
  explicit GrpcMetrics(prometheus::Registry& registry);

  // An interceptor factory to hand to grpc::ServerBuilder.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

  prometheus::Family<prometheus::Counter>& started() { return started_; }
  prometheus::Family<prometheus::Counter>& handled() { return handled_; }
  prometheus::Family<prometheus::Counter>& received() { return received_; }
  prometheus::Family<prometheus::Counter>& sent() { return sent_; }
  prometheus::Family<prometheus::Histogram>& handling_seconds() { return handling_seconds_; }

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& sent_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
};

}  // namespace throughline::server
