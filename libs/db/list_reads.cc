#include "libs/db/list_reads.h"

#include "libs/log/log.h"

namespace throughline::db {
namespace {

// How far behind the primary a hot standby is, in seconds: 0 while it streams and has
// replayed all it received; otherwise the age of the last transaction it replayed (while
// replay is behind, or while it receives nothing: replication stopped, or the primary is
// idle, which cannot be told apart from here), 1e9 when it has replayed none since it
// started. Not a standby: 0. The functions and the view's rows need no privilege.
constexpr char kReplicaLag[] = R"sql(
  SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
         AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
  END::float8)sql";

}  // namespace

absl::StatusOr<bool> ListReads::ReplicaCurrent(absl::Time now, absl::Time deadline) {
  if (max_lag_ <= absl::ZeroDuration()) return true;
  int64_t due = next_lag_check_.load();
  if (absl::ToUnixNanos(now) < due ||
      !next_lag_check_.compare_exchange_strong(due, absl::ToUnixNanos(now + kLagCheck))) {
    return !lagging_.load();
  }
  double lag_seconds = 0;
  absl::Status measured = RunRead(*replica_, deadline, [&](pqxx::transaction_base& tx) {
    lag_seconds = tx.exec1(kReplicaLag)[0].as<double>();
    return absl::OkStatus();
  });
  if (!measured.ok()) {
    next_lag_check_.store(0);  // measured again by the next call that tries the replica
    return measured;
  }
  const bool lagging = lag_seconds > absl::ToDoubleSeconds(max_lag_);
  if (lagging_.exchange(lagging) != lagging) {
    if (lagging) {
      log::Warning(
          "the read replica lags the primary by more than --max_read_lag_seconds; "
          "List calls read from the primary",
          {{"lag_s", lag_seconds}, {"max_lag_s", absl::ToDoubleSeconds(max_lag_)}});
    } else {
      log::Info("the read replica caught up; List calls read from it again",
                {{"lag_s", lag_seconds}});
    }
  }
  return !lagging;
}

absl::Status ListReads::Run(absl::Time deadline, const ReadBody& body) {
  const absl::Time now = absl::Now();
  if (replica_ != nullptr && absl::ToUnixNanos(now) >= skip_replica_until_.load()) {
    absl::StatusOr<bool> current = ReplicaCurrent(now, deadline);
    absl::Status unanswered;
    if (current.ok() && *current) {
      absl::Status status = RunRead(*replica_, deadline, body);
      if (!absl::IsUnavailable(status)) return status;
      unanswered = status;
    } else if (!current.ok() && absl::IsUnavailable(current.status())) {
      unanswered = current.status();
    } else {
      // Too far behind, or its lag could not be measured otherwise (its deadline, say).
      return RunRead(primary_, deadline, body);
    }
    // Only the first failure of a period is logged; the others find the replica skipped.
    const int64_t until = absl::ToUnixNanos(absl::Now() + kReplicaRetry);
    if (skip_replica_until_.exchange(until) < absl::ToUnixNanos(now)) {
      log::Warning(
          "the read replica does not answer; List calls read from the primary",
          {{"error", unanswered.ToString()}, {"retry_in_s", absl::ToInt64Seconds(kReplicaRetry)}});
    }
  }
  return RunRead(primary_, deadline, body);
}

}  // namespace throughline::db
