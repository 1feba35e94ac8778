#include "libs/db/list_reads.h"

#include "libs/log/log.h"

namespace throughline::db {

absl::Status ListReads::Run(absl::Time deadline, const ReadBody& body) {
  const absl::Time now = absl::Now();
  if (replica_ != nullptr && absl::ToUnixNanos(now) >= skip_replica_until_.load()) {
    absl::Status status = RunRead(*replica_, deadline, body);
    if (!absl::IsUnavailable(status)) return status;
    // Only the first failure of a period is logged; the others find the replica skipped.
    const int64_t until = absl::ToUnixNanos(absl::Now() + kReplicaRetry);
    if (skip_replica_until_.exchange(until) < absl::ToUnixNanos(now)) {
      log::Warning(
          "the read replica does not answer; List calls read from the primary",
          {{"error", status.ToString()}, {"retry_in_s", absl::ToInt64Seconds(kReplicaRetry)}});
    }
  }
  return RunRead(primary_, deadline, body);
}

}  // namespace throughline::db
