// throughline-bench-echo: the echo baseline of tools/bench (see echo_server.h), with the same
// flags as the services (--listen, --admin_listen, --tokens_file, --workers, --max_queue, ...).
#include <cstdlib>

#include "CLI/CLI.hpp"
#include "libs/log/log.h"
#include "libs/server/server_host.h"
#include "libs/server/service_flags.h"
#include "tools/benchmark/echo_server.h"

int main(int argc, char** argv) {
  using namespace throughline;
  server::PrepareServiceProcess();

  CLI::App app{"throughline-bench-echo: SegmentService Get/UpdateSegment answered from memory"};
  server::ServiceFlags flags;
  server::AddServiceFlags(app, flags, "127.0.0.1:50059", "");
  CLI11_PARSE(app, argc, argv);

  // Not ApplyServiceFlags: that one requires --database_url, which the echo server has no use
  // for.
  auto level = log::ParseLevel(flags.log_level);
  if (!level.ok()) {
    log::Error("invalid flags", {{"error", level.status().ToString()}});
    return EXIT_FAILURE;
  }
  log::SetMinLevel(*level);
  auto authenticator = server::LoadAuthenticator(flags);
  if (!authenticator.ok()) {
    log::Error("cannot load tokens", {{"error", authenticator.status().ToString()}});
    return EXIT_FAILURE;
  }
  auto server = benchmark::EchoServer::Start(flags, *std::move(authenticator));
  if (!server.ok()) {
    log::Error("echo server failed to start", {{"error", server.status().ToString()}});
    return EXIT_FAILURE;
  }
  log::Info("echo server listening", {{"port", (*server)->port()}});
  server::WaitForTerminationSignal();
  (*server)->Shutdown();
  return EXIT_SUCCESS;
}
