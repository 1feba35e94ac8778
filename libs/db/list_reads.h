#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "absl/status/status.h"
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
// the primary, and the replica is tried again after kReplicaRetry.
class ListReads {
 public:
  static constexpr absl::Duration kReplicaRetry = absl::Seconds(5);

  // `replica` may be null (no replica: every read from `primary`). `primary` must outlive
  // this.
  ListReads(ConnectionPool& primary, std::unique_ptr<ConnectionPool> replica)
      : primary_(primary), replica_(std::move(replica)) {}

  // RunRead on the replica, or on the primary (see above).
  absl::Status Run(absl::Time deadline, const ReadBody& body);

 private:
  ConnectionPool& primary_;
  const std::unique_ptr<ConnectionPool> replica_;
  // Until when the replica is passed over after it failed to answer (absl::ToUnixNanos).
  std::atomic<int64_t> skip_replica_until_{0};
};

}  // namespace throughline::db
