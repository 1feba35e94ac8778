// throughline: the command-line client of the Throughline services. Wiring only; see app.h.
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/app.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return throughline::cli::RunCommandLine(args, std::cout, std::cerr);
}
