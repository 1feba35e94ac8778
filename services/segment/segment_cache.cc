#include "services/segment/segment_cache.h"

#include "libs/log/log.h"

namespace throughline::segment {

SegmentCache::SegmentCache(Options options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

bool SegmentCache::Find(const SegmentKey& key, v1::Segment* segment) {
  if (options_.max_segments == 0) return false;
  const bool hit = !(options_.notifications_pending && options_.notifications_pending()) &&
                   FindKept(key, segment);
  if (prometheus::Counter* counter = hit ? hits_ : misses_) counter->Increment();
  return hit;
}

bool SegmentCache::FindKept(const SegmentKey& key, v1::Segment* segment) {
  absl::MutexLock lock(&mu_);
  auto organization = organizations_.find(key.organization);
  if (organization == organizations_.end()) return false;
  auto entry = organization->second.find(std::make_pair(key.market_id, key.segment_id));
  if (entry == organization->second.end()) return false;
  if (clock_() - entry->second.read_time >= options_.max_age) {
    organization->second.erase(entry);
    SetSize(size_ - 1);
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
    SetSize(0);
  }
  auto [entry, added] = organizations_[key.organization].insert_or_assign(
      std::make_pair(key.market_id, key.segment_id), Entry{segment, now});
  if (added) SetSize(size_ + 1);
}

int SegmentCache::size() const {
  absl::MutexLock lock(&mu_);
  return size_;
}

void SegmentCache::ExportMetrics(std::shared_ptr<prometheus::Registry> registry) {
  registry_ = std::move(registry);
  auto& lookups = prometheus::BuildCounter()
                      .Name("throughline_segment_cache_lookups_total")
                      .Help(
                          "GetSegment calls answered from memory (hit) or from the database "
                          "(miss) while the cache is on")
                      .Register(*registry_);
  hits_ = &lookups.Add({{"result", "hit"}});
  misses_ = &lookups.Add({{"result", "miss"}});
  kept_ = &prometheus::BuildGauge()
               .Name("throughline_segment_cache_segments")
               .Help("Segments GetSegment's cache keeps")
               .Register(*registry_)
               .Add({});
}

void SegmentCache::SetSize(int size) {
  size_ = size;
  if (kept_ != nullptr) kept_->Set(size);
}

void SegmentCache::Changed(const std::string& organization) {
  absl::MutexLock lock(&mu_);
  ++changes_;  // reads started before keep nothing
  if (organization.empty()) {
    organizations_.clear();
    SetSize(0);
    return;
  }
  auto found = organizations_.find(organization);
  if (found == organizations_.end()) return;
  SetSize(size_ - static_cast<int>(found->second.size()));
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
  SetSize(0);
}

}  // namespace throughline::segment
