// offeringd: the offering service. Wiring only; see offering_server.h.
#include <cstdlib>

#include "CLI/CLI.hpp"
#include "libs/log/log.h"
#include "libs/server/server_host.h"
#include "libs/server/service_flags.h"
#include "services/offering/offering_server.h"

int main(int argc, char** argv) {
  using namespace throughline;
  server::PrepareServiceProcess();

  CLI::App app{"offeringd: offerings, decisions with their why, and coherence"};
  server::ServiceFlags flags;
  server::AddServiceFlags(app, flags, "127.0.0.1:50052", "127.0.0.1:9102");
  offering::OfferingServerOptions options;
  options.segment_address = "127.0.0.1:50051";
  app.add_option("--segment_address", options.segment_address, "The segment service host:port")
      ->envname("THROUGHLINE_SEGMENT_ADDRESS")
      ->capture_default_str();
  options.alignment_address = "127.0.0.1:50053";
  app.add_option("--alignment_address", options.alignment_address,
                 "The alignment service host:port, for the commitments EvaluateCoherence "
                 "checks; empty: coherence reports leave them out")
      ->envname("THROUGHLINE_ALIGNMENT_ADDRESS")
      ->capture_default_str();
  app.add_option("--service_token", options.service_token,
                 "This service's own bearer token (role service) for the other services")
      ->envname("THROUGHLINE_SERVICE_TOKEN")
      ->required();
  server::AddPeerTlsFlags(app, options.peer_tls);
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
  auto server = offering::OfferingServer::Start(flags, options, *std::move(authenticator));
  if (!server.ok()) {
    log::Error("offeringd failed to start", {{"error", server.status().ToString()}});
    return EXIT_FAILURE;
  }
  const int signal = server::WaitForTerminationSignal();
  log::Info("shutting down", {{"signal", signal}});
  (*server)->Shutdown();
  return EXIT_SUCCESS;
}
