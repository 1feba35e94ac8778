// The throughline command line: every command, parsed and run.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace throughline::cli {

// Runs the command line `args` (without the program name), printing results to `out` and
// errors to `err`; returns the exit code (see exit_codes.h).
int RunCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace throughline::cli
