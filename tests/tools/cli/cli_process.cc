#include "tests/tools/cli/cli_process.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace throughline::cli::testing {
namespace {

// A new empty file in the temporary directory; returns its path and an open descriptor.
std::pair<std::string, int> TemporaryFile(const std::string& stem) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/" + stem + "-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed for " + path);
  return {path, fd};
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

CliProcess::CliProcess(const std::string& binary, const std::vector<std::string>& args,
                       const std::vector<std::string>& env) {
  auto [out_path, out_fd] = TemporaryFile("cli-out");
  auto [err_path, err_fd] = TemporaryFile("cli-err");
  out_path_ = out_path;
  err_path_ = err_path;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envp = env;
  const int spawned = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, Pointers(argv).data(),
                                  Pointers(envp).data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);
  if (spawned != 0) throw std::runtime_error("cannot start " + binary);
}

CliProcess::~CliProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  unlink(out_path_.c_str());
  unlink(err_path_.c_str());
}

std::string CliProcess::Out() const { return ReadFile(out_path_); }

std::string CliProcess::Err() const { return ReadFile(err_path_); }

void CliProcess::Signal(int signal) const { kill(pid_, signal); }

CliResult CliProcess::Wait() {
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = Out();
  result.err = Err();
  return result;
}

CliResult RunCli(const std::string& binary, const std::vector<std::string>& args,
                 const std::vector<std::string>& env) {
  return CliProcess(binary, args, env).Wait();
}

}  // namespace throughline::cli::testing
