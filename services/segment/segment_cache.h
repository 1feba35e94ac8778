#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/eventlog/notifier.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/segment/segment_store.h"
#include "throughline/segment/v1/resources.pb.h"

namespace throughline::segment {

// The segments GetSegment read lately, so that a segment read again is answered from memory
// without the database's round trip (BENCHMARKS.md, seventeenth session). It stays true by
// hearing every change of the segment log (it observes the service's EventNotifier):
// - a change made through this process is forgotten before its call returns, so a client
//   reads its own writes;
// - a change made through another replica is forgotten when its notification arrives: until
//   the database has sent it this replica may answer the segment as it was (a notification
//   received but not yet handled already stops answers from memory). That is a window of
//   about a millisecond after the commit, the staleness DESIGN.md §10 accepts for Get calls
//   (a read replica's is the replication delay);
// - while notifications may be lost (the LISTEN connection is down, or the database does not
//   answer the notifier's poll) nothing is answered from memory or kept, and what was kept is
//   forgotten;
// - an entry is also forgotten `max_age` after its read, which bounds how long a change made
//   outside the service (SQL by hand, without an event) can go unseen.
// Changes are heard per organization: any event of an organization forgets all of its
// segments. A full cache starts over.
class SegmentCache : public eventlog::EventNotifier::ChangeObserver {
 public:
  struct Options {
    int max_segments = 10'000;  // 0: nothing is kept
    // Whether a change may have been notified but not yet told (EventNotifier::
    // NotificationsPending); Find then answers nothing. Null: never.
    std::function<bool()> notifications_pending = nullptr;
    absl::Duration max_age = absl::Minutes(1);
  };
  using Clock = std::function<absl::Time()>;

  explicit SegmentCache(Options options, Clock clock = absl::Now);

  SegmentCache(const SegmentCache&) = delete;
  SegmentCache& operator=(const SegmentCache&) = delete;

  // Copies the kept segment of `key` into `segment`; false when none is kept.
  bool Find(const SegmentKey& key, v1::Segment* segment);

  // A read of the database takes a ticket before it starts and hands it to Add with what it
  // read: a change heard in between makes Add keep nothing, since the read may predate it.
  using Ticket = uint64_t;
  Ticket StartRead();
  void Add(const SegmentKey& key, const v1::Segment& segment, Ticket ticket);

  // How many segments are kept (tests).
  int size() const;

  // Counts the cache's answers in `registry`, which it keeps alive:
  // throughline_segment_cache_lookups_total{result="hit"|"miss"} (misses read the database)
  // and throughline_segment_cache_segments (how many are kept). Before the first Find.
  void ExportMetrics(std::shared_ptr<prometheus::Registry> registry);

  // eventlog::EventNotifier::ChangeObserver.
  void Changed(const std::string& organization) override;
  void Watching(bool watching) override;

 private:
  struct Entry {
    v1::Segment segment;
    absl::Time read_time;
  };
  // Market and segment id; the outer map is by organization, so that its changes forget its
  // segments at once.
  using Segments = absl::flat_hash_map<std::pair<std::string, std::string>, Entry>;

  // The kept segment of `key`, when there is one younger than max_age.
  bool FindKept(const SegmentKey& key, v1::Segment* segment);
  void SetSize(int size) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const Clock clock_;
  // Set by ExportMetrics, before any Find; null without.
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter* hits_ = nullptr;
  prometheus::Counter* misses_ = nullptr;
  prometheus::Gauge* kept_ = nullptr;
  mutable absl::Mutex mu_;
  bool watching_ ABSL_GUARDED_BY(mu_) = false;
  Ticket changes_ ABSL_GUARDED_BY(mu_) = 0;  // changes heard so far
  int size_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Segments> organizations_ ABSL_GUARDED_BY(mu_);
};

}  // namespace throughline::segment
