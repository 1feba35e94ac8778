// A TCP relay for tests that need a connection to break the way networks break: it accepts one
// connection on a loopback port of its own and relays it to a target (a TCP port or a
// Unix-domain socket) until Freeze(), after which it reads and writes nothing but keeps both
// connections open, as a partition or a host without power would.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace throughline::testing {

class FreezableRelay {
 public:
  // Relays to 127.0.0.1:`port`.
  static FreezableRelay ToTcp(int port) { return FreezableRelay(port, ""); }
  // Relays to the Unix-domain socket at `path` (PostgreSQL's is <socket dir>/.s.PGSQL.<port>).
  static FreezableRelay ToUnixSocket(std::string path) {
    return FreezableRelay(0, std::move(path));
  }

  FreezableRelay(FreezableRelay&& other) = delete;
  FreezableRelay& operator=(FreezableRelay&&) = delete;
  ~FreezableRelay();

  // The loopback port it accepts on.
  int port() const { return port_; }
  void Freeze() { frozen_ = true; }

 private:
  FreezableRelay(int target_port, std::string target_path);
  int ConnectToTarget() const;
  void Relay();

  const int target_port_;
  const std::string target_path_;
  int listener_ = -1;
  int client_ = -1;
  int server_ = -1;
  int port_ = 0;
  std::atomic<bool> frozen_ = false;
  std::atomic<bool> stop_ = false;
  std::thread thread_;
};

}  // namespace throughline::testing
