#include "tools/cli/interrupt.h"

#include <chrono>
#include <csignal>

namespace throughline::cli {
namespace {

// Set by the signal handler; lock-free, so setting it is async-signal-safe.
std::atomic<bool> signal_arrived{false};

void OnSignal(int) { signal_arrived.store(true); }

constexpr auto kCheckInterval = std::chrono::milliseconds(50);

}  // namespace

CancelOnInterrupt::CancelOnInterrupt(grpc::ClientContext& context) {
  signal_arrived.store(false);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  watcher_ = std::thread([this, &context] { CancelWhenInterrupted(context); });
}

CancelOnInterrupt::~CancelOnInterrupt() {
  done_.store(true);
  watcher_.join();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

bool CancelOnInterrupt::interrupted() const { return signal_arrived.load(); }

void CancelOnInterrupt::CancelWhenInterrupted(grpc::ClientContext& context) {
  while (!done_.load()) {
    if (signal_arrived.load()) {
      context.TryCancel();
      return;
    }
    std::this_thread::sleep_for(kCheckInterval);
  }
}

}  // namespace throughline::cli
