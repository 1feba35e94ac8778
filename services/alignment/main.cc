// alignmentd: the alignment service. Wiring only; see alignment_server.h.
#include <cstdlib>

#include "CLI/CLI.hpp"
#include "libs/log/log.h"
#include "libs/server/server_host.h"
#include "libs/server/service_flags.h"
#include "services/alignment/alignment_server.h"

int main(int argc, char** argv) {
  using namespace throughline;
  server::PrepareServiceProcess();

  CLI::App app{"alignmentd: re-evaluation tasks for every function when the strategy changes"};
  server::ServiceFlags flags;
  server::AddServiceFlags(app, flags, "127.0.0.1:50053", "127.0.0.1:9103");
  alignment::AlignmentServerOptions options;
  options.segment_address = "127.0.0.1:50051";
  options.offering_address = "127.0.0.1:50052";
  int task_due_hours = 24 * 7;
  int escalation_interval_seconds = 30;
  app.add_option("--segment_address", options.segment_address, "The segment service host:port")
      ->envname("THROUGHLINE_SEGMENT_ADDRESS")
      ->capture_default_str();
  app.add_option("--offering_address", options.offering_address,
                 "The offering service host:port")
      ->envname("THROUGHLINE_OFFERING_ADDRESS")
      ->capture_default_str();
  app.add_option("--service_token", options.service_token,
                 "This service's own bearer token (role service) for the other services")
      ->envname("THROUGHLINE_SERVICE_TOKEN")
      ->required();
  app.add_option("--task_due_hours", task_due_hours, "Hours a function has to resolve a task")
      ->envname("THROUGHLINE_TASK_DUE_HOURS")
      ->check(CLI::Range(1, 24 * 365))
      ->capture_default_str();
  app.add_option("--escalation_interval_seconds", escalation_interval_seconds,
                 "How often overdue tasks are escalated")
      ->envname("THROUGHLINE_ESCALATION_INTERVAL_SECONDS")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  server::AddPeerTlsFlags(app, options.peer_tls);
  CLI11_PARSE(app, argc, argv);
  options.task_due_after = absl::Hours(task_due_hours);
  options.escalation_interval = absl::Seconds(escalation_interval_seconds);

  if (absl::Status valid = server::ApplyServiceFlags(flags); !valid.ok()) {
    log::Error("invalid flags", {{"error", valid.ToString()}});
    return EXIT_FAILURE;
  }
  auto authenticator = server::LoadAuthenticator(flags);
  if (!authenticator.ok()) {
    log::Error("cannot load tokens", {{"error", authenticator.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto server = alignment::AlignmentServer::Start(flags, options, *std::move(authenticator));
  if (!server.ok()) {
    log::Error("alignmentd failed to start", {{"error", server.status().ToString()}});
    return EXIT_FAILURE;
  }
  const int signal = server::WaitForTerminationSignal();
  log::Info("shutting down", {{"signal", signal}});
  (*server)->Shutdown();
  return EXIT_SUCCESS;
}
