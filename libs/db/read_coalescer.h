#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "libs/db/transaction.h"
#include "libs/errors/errors.h"

namespace throughline::db {

// Coalesces concurrent point reads into one statement, and answers them without a blocked
// thread per call: each call queues its key with a callback; a few reader threads take
// whatever is queued (up to `max_batch` keys), read it in one round trip and call the
// callbacks. Under load one statement serves many calls, sharing PostgreSQL's and libpq's cost
// per statement; when idle a batch is one key. GetSegment uses it from the gRPC thread
// (server::ServeUnaryAsync), so its calls need no worker either (BENCHMARKS.md, step 13).
//
// A read reflects every change committed before ReadAsync was called: a batch's statement
// starts after each of its keys was queued. A batch runs until the latest deadline among its
// calls; a call whose deadline has passed before its batch starts is answered
// DEADLINE_EXCEEDED without a read.
template <typename Key, typename Value>
class ReadCoalescer {
 public:
  // Reads `keys` in one statement. Answers one entry per key, in the order of `keys`:
  // std::nullopt for a key without a value. Keys may repeat.
  using ReadBatch = std::function<std::vector<std::optional<Value>>(pqxx::transaction_base& tx,
                                                                    const std::vector<Key>& keys)>;
  // Called once per read, on a reader thread: the value, std::nullopt when the key has none,
  // or the database's error (db::RunRead's codes).
  using Callback = std::function<void(absl::StatusOr<std::optional<Value>>)>;

  struct Options {
    int readers = 2;        // statements in flight at once
    int max_batch = 64;     // keys per statement
    int max_queued = 1000;  // calls waiting for a reader; more are refused
  };

  ReadCoalescer(ConnectionPool& pool, ReadBatch read_batch, Options options)
      : pool_(pool), read_batch_(std::move(read_batch)), options_(options) {
    for (int i = 0; i < options.readers; ++i) readers_.emplace_back([this] { ReadLoop(); });
  }

  // Serves what is queued, then stops the readers.
  ~ReadCoalescer() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& reader : readers_) reader.join();
  }

  ReadCoalescer(const ReadCoalescer&) = delete;
  ReadCoalescer& operator=(const ReadCoalescer&) = delete;

  // Queues a read of `key`; `done` is called later, on a reader thread. False, without a
  // call of `done`, when `max_queued` reads wait already: the caller answers "overloaded".
  bool ReadAsync(Key key, absl::Time deadline, Callback done) {
    absl::MutexLock lock(&mu_);
    if (static_cast<int>(queue_.size()) >= options_.max_queued) return false;
    queue_.push_back(Call{std::move(key), deadline, std::move(done)});
    return true;
  }

  // How many reads wait for a reader to take them (tests use it to know a batch is queued).
  size_t queued() const {
    absl::MutexLock lock(&mu_);
    return queue_.size();
  }

 private:
  struct Call {
    Key key;
    absl::Time deadline;
    Callback done;
  };

  void ReadLoop() {
    while (std::optional<std::vector<Call>> batch = NextBatch()) {
      if (!batch->empty()) RunBatch(*batch);
    }
  }

  // Waits for queued reads and takes up to max_batch of them; std::nullopt once stopping with
  // an empty queue. Reads whose deadline has passed are answered here, without a statement
  // (the batch may then be empty).
  std::optional<std::vector<Call>> NextBatch() {
    std::vector<Call> batch;
    std::vector<Call> expired;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ReadCoalescer* self) { return self->stopping_ || !self->queue_.empty(); }, this));
      if (queue_.empty()) return std::nullopt;
      const absl::Time now = absl::Now();
      while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        Call call = std::move(queue_.front());
        queue_.pop_front();
        (call.deadline <= now ? expired : batch).push_back(std::move(call));
      }
    }
    for (Call& call : expired) {
      call.done(errors::DeadlineExceeded("the deadline expired before the database work"));
    }
    return batch;
  }

  void RunBatch(std::vector<Call>& batch) {
    std::vector<Key> keys;
    keys.reserve(batch.size());
    absl::Time deadline = absl::InfinitePast();
    for (const Call& call : batch) {
      keys.push_back(call.key);
      deadline = std::max(deadline, call.deadline);
    }
    std::vector<std::optional<Value>> values;
    absl::Status status = RunRead(pool_, deadline, [&](pqxx::transaction_base& tx) {
      values = read_batch_(tx, keys);
      return absl::OkStatus();
    });
    if (status.ok() && values.size() != keys.size()) {
      status = errors::Internal("a batched read answered the wrong number of values");
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      if (status.ok()) {
        batch[i].done(std::move(values[i]));
      } else {
        batch[i].done(status);
      }
    }
  }

  ConnectionPool& pool_;
  const ReadBatch read_batch_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<Call> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> readers_;  // last: started once everything above is initialized
};

}  // namespace throughline::db
