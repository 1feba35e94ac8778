#include "services/segment/segment_cache.h"

#include "libs/log/log.h"

namespace throughline::segment {

SegmentCache::SegmentCache(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

bool SegmentCache::Find(const SegmentKey& key, v1::Segment* segment) {
  if (options_.max_segments == 0) return false;
  if (options_.notifications_pending && options_.notifications_pending()) return false;
  absl::MutexLock lock(&mu_);
  auto organization = organizations_.find(key.organization);
  if (organization == organizations_.end()) return false;
  auto entry = organization->second.find(std::make_pair(key.market_id, key.segment_id));
  if (entry == organization->second.end()) return false;
  if (clock_() - entry->second.read_time >= options_.max_age) {
    organization->second.erase(entry);
    --size_;
    return false;
  }
  *segment = entry->second.segment;
  return true;
}

SegmentCache::Ticket SegmentCache::StartRead() {
  absl::MutexLock lock(&mu_);
  return changes_;
}

void SegmentCache::Add(const SegmentKey& key, const v1::Segment& segment, Ticket ticket) {
  if (options_.max_segments == 0) return;
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  if (!watching_ || ticket != changes_) return;
  if (size_ >= options_.max_segments) {
    organizations_.clear();
    size_ = 0;
  }
  auto [entry, added] = organizations_[key.organization].insert_or_assign(
      std::make_pair(key.market_id, key.segment_id), Entry{segment, now});
  if (added) ++size_;
}

int SegmentCache::size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

void SegmentCache::Changed(const std::string& organization) {
  absl::MutexLock lock(&mu_);
  ++changes_;  // reads started before keep nothing
  if (organization.empty()) {
    organizations_.clear();
    size_ = 0;
    return;
  }
  auto found = organizations_.find(organization);
  if (found == organizations_.end()) return;
  size_ -= static_cast<int>(found->second.size());
  organizations_.erase(found);
}

void SegmentCache::Watching(bool watching) {
  absl::MutexLock lock(&mu_);
  ++changes_;
  if (watching != watching_ && options_.max_segments > 0) {
    if (watching) {
      log::Info("segment cache in use: every change of the segment log is heard");
    } else {
      // The notifier logs why (its LISTEN connection lost, the log's head not read), or the
      // service is stopping.
      log::Info(
          "segment cache off until every change is heard again: GetSegment reads the "
          "database");
    }
  }
  watching_ = watching;
  organizations_.clear();
  size_ = 0;
}

}  // namespace throughline::segment
