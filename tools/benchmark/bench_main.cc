// throughline-bench: the load generator of tools/bench. One subcommand per scenario; each
// prints one line for people, or one JSON object with --json.
//
//   throughline-bench get|update --target ADDR [--keys N] [--concurrency C | --rate R] ...
//   throughline-bench get --target ADDR --baseline ADDR [--rounds N] ...  (alternating rounds)
//   throughline-bench list --target ALIGNMENT_ADDR --keys OWNERS ...
//   throughline-bench seed --target SEGMENT_ADDR --keys N
//   throughline-bench fanout|latency --segment ADDR --offering ADDR --alignment ADDR ...
//   throughline-bench smoke     (an in-process echo server on port 0; fails unless calls succeed)
#include <cstdlib>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "libs/auth/auth.h"
#include "libs/log/log.h"
#include "tools/benchmark/bench_data.h"
#include "tools/benchmark/client.h"
#include "tools/benchmark/echo_server.h"
#include "tools/benchmark/load.h"
#include "tools/benchmark/task_scenarios.h"
#include "tools/benchmark/unary_scenarios.h"

namespace {

using namespace throughline::benchmark;

struct Flags {
  std::string token = kDefaultToken;
  std::string target;
  int keys = 100;
  int concurrency = 8;
  double rate = 0;
  int max_in_flight = 10000;
  int channels = 1;
  double warmup_seconds = 1;
  double duration_seconds = 10;
  double timeout_seconds = 10;
  bool json = false;
  SuiteAddresses suite;
  // Each subcommand has its own variables where defaults differ: CLI11 writes a default into
  // the variable when the option is declared.
  std::string baseline;
  int get_rounds = 5;
  bool get_bulk = false;
  int fanout_offerings = 100;
  int rounds = 3;
  int latency_offerings = 1;
  double latency_rate = 100;
  double smoke_seconds = 1;
};

ClientOptions ClientFrom(const Flags& flags) {
  return ClientOptions{.token = flags.token,
                       .timeout = absl::Seconds(flags.timeout_seconds),
                       .channels = flags.channels};
}

LoadOptions LoadFrom(const Flags& flags) {
  return LoadOptions{.concurrency = flags.concurrency,
                     .rate = flags.rate,
                     .max_in_flight = flags.max_in_flight,
                     .warmup = absl::Seconds(flags.warmup_seconds),
                     .duration = absl::Seconds(flags.duration_seconds)};
}

int Fail(const absl::Status& status) {
  std::cerr << "throughline-bench: " << status << "\n";
  return EXIT_FAILURE;
}

void Print(const Flags& flags, const std::string& json, const std::string& text) {
  std::cout << (flags.json ? json : text) << std::endl;
}

int RunUnary(const std::string& method, const Flags& flags) {
  const ClientOptions client = ClientFrom(flags);
  auto start =
      MakeUnaryLoad(method, MakeChannels(flags.target, flags.channels), client, flags.keys);
  if (!start.ok()) return Fail(start.status());
  if (!flags.baseline.empty()) {
    auto baseline =
        MakeUnaryLoad(method, MakeChannels(flags.baseline, flags.channels), client, flags.keys);
    if (!baseline.ok()) return Fail(baseline.status());
    const AlternatingReport report =
        RunAlternating(LoadFrom(flags), flags.get_rounds, *start, *baseline);
    Print(flags, ToJson(report),
          absl::StrCat(method, " against ", flags.baseline, ": ", ToText(report)));
    return report.target.ops > 0 && report.baseline.ops > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
  }
  const LoadReport report = RunLoad(LoadFrom(flags), *start);
  Print(flags, ToJson(report), absl::StrCat(method, ": ", ToText(report)));
  return report.ops > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

// The tool's own check (ctest benchmark_smoke): GetSegment against an echo server started here
// on port 0 must succeed, every call.
int RunSmoke(Flags flags) {
  throughline::server::ServiceFlags server_flags;
  server_flags.listen = "127.0.0.1:0";
  server_flags.workers = 2;
  server_flags.max_calls_per_second = 0;  // one organization, as fast as it goes
  auto authenticator = throughline::auth::TokenAuthenticator::FromString(
      absl::StrCat(kDefaultToken, " ", kOrganizationId, " bench-admin@bench.example admin\n"),
      "smoke tokens");
  if (!authenticator.ok()) return Fail(authenticator.status());
  auto server = EchoServer::Start(server_flags, *std::move(authenticator));
  if (!server.ok()) return Fail(server.status());
  flags.target = absl::StrCat("127.0.0.1:", (*server)->port());
  flags.token = kDefaultToken;
  flags.duration_seconds = flags.smoke_seconds;
  flags.warmup_seconds = 0.2;
  auto start = MakeUnaryLoad("get", MakeChannels(flags.target, 1), ClientFrom(flags), 10);
  if (!start.ok()) return Fail(start.status());
  const LoadReport report = RunLoad(LoadFrom(flags), *start);
  Print(flags, ToJson(report), absl::StrCat("smoke: ", ToText(report)));
  if (report.ops == 0 || report.errors != 0) {
    std::cerr << "throughline-bench smoke: expected successful calls and no errors\n";
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}

void AddLoadOptions(CLI::App& command, Flags& flags) {
  command.add_option("--concurrency", flags.concurrency, "closed loop: calls in flight")
      ->capture_default_str();
  command
      .add_option("--rate", flags.rate,
                  "open loop: calls per second, latency from the intended send time")
      ->capture_default_str();
  command
      .add_option("--max_in_flight", flags.max_in_flight,
                  "open loop: calls beyond this many in flight are dropped (errors)")
      ->capture_default_str();
  command.add_option("--channels", flags.channels, "connections")->capture_default_str();
  command.add_option("--warmup", flags.warmup_seconds, "seconds not measured")
      ->capture_default_str();
  command.add_option("--duration", flags.duration_seconds, "seconds measured")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"throughline-bench: load generator for the Throughline services (tools/bench)"};
  app.require_subcommand(1);
  Flags flags;
  app.add_option("--token", flags.token, "bearer token (an admin of organizations/bench)")
      ->envname("THROUGHLINE_TOKEN")
      ->capture_default_str();
  app.add_option("--timeout", flags.timeout_seconds, "deadline of each call, seconds")
      ->capture_default_str();
  app.add_flag("--json", flags.json, "print one JSON object");

  auto* get = app.add_subcommand("get", "GetSegment of segments s-0..s-(keys-1)");
  auto* update = app.add_subcommand("update", "UpdateSegment (new description) of s-0..");
  auto* list = app.add_subcommand("list", "ListTasks by owner owner-0..owner-(keys-1)");
  auto* seed = app.add_subcommand("seed", "create the benchmark market and segments");
  for (auto* command : {get, update, list, seed}) {
    command->add_option("--target", flags.target, "host:port")->required();
    command->add_option("--keys", flags.keys, "segments, or owners for list")
        ->capture_default_str();
  }
  for (auto* command : {get, update, list}) AddLoadOptions(*command, flags);
  get->add_option("--baseline", flags.baseline,
                  "host:port of a baseline server: alternate rounds between it and the target "
                  "and report the median ratio of their throughputs");
  get->add_flag("--bulk", flags.get_bulk,
                "read the bulk-loaded segments bulk-1..bulk-(keys) of the list scenario instead");
  get->add_option("--rounds", flags.get_rounds,
                  "with --baseline: rounds, each measuring both for duration / rounds")
      ->capture_default_str();

  auto* fanout = app.add_subcommand("fanout", "one change -> offerings x 5 tasks");
  auto* delivery = app.add_subcommand("latency", "changes at a rate -> tasks on streams");
  for (auto* command : {fanout, delivery}) {
    command->add_option("--segment", flags.suite.segment, "segmentd host:port")->required();
    command->add_option("--offering", flags.suite.offering, "offeringd host:port")->required();
    command->add_option("--alignment", flags.suite.alignment, "alignmentd host:port")->required();
  }
  fanout->add_option("--offerings", flags.fanout_offerings, "offerings targeting the segment")
      ->capture_default_str();
  fanout->add_option("--rounds", flags.rounds, "measured changes")->capture_default_str();
  delivery->add_option("--offerings", flags.latency_offerings, "offerings targeting the segment")
      ->capture_default_str();
  delivery->add_option("--rate", flags.latency_rate, "changes per second")->capture_default_str();
  delivery->add_option("--duration", flags.duration_seconds, "seconds of changes")
      ->capture_default_str();

  auto* smoke = app.add_subcommand("smoke", "GetSegment against an in-process echo server");
  smoke->add_option("--duration", flags.smoke_seconds, "seconds measured")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  throughline::log::SetMinLevel(throughline::log::Level::kWarning);

  if (get->parsed()) return RunUnary(flags.get_bulk ? "get_bulk" : "get", flags);
  if (update->parsed()) return RunUnary("update", flags);
  if (list->parsed()) return RunUnary("list", flags);
  if (seed->parsed()) {
    absl::Status seeded = Seed(flags.target, ClientFrom(flags), flags.keys);
    return seeded.ok() ? EXIT_SUCCESS : Fail(seeded);
  }
  if (smoke->parsed()) return RunSmoke(flags);
  const ClientOptions client = ClientFrom(flags);
  absl::StatusOr<ScenarioResult> result;
  if (fanout->parsed()) {
    result = RunFanout(flags.suite, client,
                       FanoutOptions{.offerings = flags.fanout_offerings, .rounds = flags.rounds});
  } else {
    result = RunDelivery(flags.suite, client,
                         DeliveryOptions{.rate = flags.latency_rate,
                                         .duration = absl::Seconds(flags.duration_seconds),
                                         .offerings = flags.latency_offerings});
  }
  if (!result.ok()) return Fail(result.status());
  Print(flags, result->json, result->text);
  return EXIT_SUCCESS;
}
