#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "libs/db/transaction.h"

namespace throughline::db {

// Where a service's List calls read (DESIGN §10: read replicas for reads where staleness is
// acceptable). With a read replica (a hot standby of the primary, `--read_database_url`), from
// the replica, so that paging through collections takes load off the primary; its answers may
// lag the primary's by the replication delay. Get calls and everything that reads to write
// stay on the primary: a Get's etag is what the next update is checked against, and a stale
// one would make the caller's own update fail. While the replica does not answer, reads go to
// the primary, and the replica is tried again after kReplicaRetry. While it lags the primary
// by more than `max_lag` (measured by a List call at most every kLagCheck), reads go to the
// primary too: a replica whose replication stopped is not read however far behind it falls.
class ListReads {
 public:
  static constexpr absl::Duration kReplicaRetry = absl::Seconds(5);
  static constexpr absl::Duration kLagCheck = absl::Seconds(1);

  // `replica` may be null (no replica: every read from `primary`). `max_lag` of zero: the
  // replica is read however far behind it is. `primary` must outlive this.
  ListReads(ConnectionPool& primary, std::unique_ptr<ConnectionPool> replica,
            absl::Duration max_lag = absl::ZeroDuration())
      : primary_(primary), replica_(std::move(replica)), max_lag_(max_lag) {}

  // RunRead on the replica, or on the primary (see above).
  absl::Status Run(absl::Time deadline, const ReadBody& body);

 private:
  // Whether the replica is within max_lag_ of the primary: measured again when kLagCheck has
  // passed since the last measurement (by one caller; the others take the last answer).
  // The error of the measurement when the replica does not answer it.
  absl::StatusOr<bool> ReplicaCurrent(absl::Time now, absl::Time deadline);

  ConnectionPool& primary_;
  const std::unique_ptr<ConnectionPool> replica_;
  const absl::Duration max_lag_;
  // Until when the replica is passed over after it failed to answer (absl::ToUnixNanos).
  std::atomic<int64_t> skip_replica_until_{0};
  // When the replica's lag is measured next (absl::ToUnixNanos), and whether it lagged too far
  // at the last measurement.
  std::atomic<int64_t> next_lag_check_{0};
  std::atomic<bool> lagging_{false};
};

}  // namespace throughline::db
