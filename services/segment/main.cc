// segmentd: the segment service. Wiring only; see segment_server.h.
#include <cstdlib>

#include "CLI/CLI.hpp"
#include "libs/log/log.h"
#include "libs/server/server_host.h"
#include "libs/server/service_flags.h"
#include "services/segment/segment_server.h"

int main(int argc, char** argv) {
  using namespace throughline;
  server::PrepareServiceProcess();

  CLI::App app{"segmentd: markets, segments, targeting and the segment event log"};
  server::ServiceFlags flags;
  server::AddServiceFlags(app, flags, "127.0.0.1:50051", "127.0.0.1:9101");
  segment::SegmentFlags segment_flags;
  segment::AddSegmentFlags(app, segment_flags);
  CLI11_PARSE(app, argc, argv);

  if (absl::Status valid = server::ApplyServiceFlags(flags); !valid.ok()) {
    log::Error("invalid flags", {{"error", valid.ToString()}});
    return EXIT_FAILURE;
  }
  auto authenticator = server::LoadAuthenticator(flags);
  if (!authenticator.ok()) {
    log::Error("cannot load tokens", {{"error", authenticator.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto server = segment::SegmentServer::Start(flags, *std::move(authenticator), segment_flags);
  if (!server.ok()) {
    log::Error("segmentd failed to start", {{"error", server.status().ToString()}});
    return EXIT_FAILURE;
  }
  const int signal = server::WaitForTerminationSignal();
  log::Info("shutting down", {{"signal", signal}});
  (*server)->Shutdown();
  return EXIT_SUCCESS;
}
