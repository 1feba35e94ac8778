// Ctrl-C ends a watch cleanly: the stream is cancelled and the command exits 0, instead of the
// process dying in the middle of a line.
#pragma once

#include <grpcpp/client_context.h>

#include <atomic>
#include <thread>

namespace throughline::cli {

// While alive, SIGINT and SIGTERM cancel `context` (and are otherwise ignored).
class CancelOnInterrupt {
 public:
  explicit CancelOnInterrupt(grpc::ClientContext& context);
  ~CancelOnInterrupt();

  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;

  // Whether a signal arrived.
  bool interrupted() const;

 private:
  // TryCancel is not async-signal-safe, so the handler only sets a flag and this thread,
  // checking it a few times a second, cancels the call.
  void CancelWhenInterrupted(grpc::ClientContext& context);

  std::atomic<bool> done_{false};
  std::thread watcher_;
};

}  // namespace throughline::cli
