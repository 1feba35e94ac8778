// Runs the real throughline binary as a child process, as a person or a script would.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace throughline::cli::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A running `throughline` whose stdout and stderr go to files.
class CliProcess {
 public:
  // Starts `binary` with `args` and exactly the environment `env` ("NAME=value").
  CliProcess(const std::string& binary, const std::vector<std::string>& args,
             const std::vector<std::string>& env);
  ~CliProcess();  // Kills the process if it still runs.

  CliProcess(const CliProcess&) = delete;
  CliProcess& operator=(const CliProcess&) = delete;

  // What it printed so far.
  std::string Out() const;
  std::string Err() const;
  // Sends `signal` (e.g. SIGINT, as Ctrl-C does).
  void Signal(int signal) const;
  // Waits for it to exit.
  CliResult Wait();

 private:
  pid_t pid_ = -1;
  std::string out_path_;
  std::string err_path_;
};

// Runs to completion.
CliResult RunCli(const std::string& binary, const std::vector<std::string>& args,
                 const std::vector<std::string>& env);

}  // namespace throughline::cli::testing
