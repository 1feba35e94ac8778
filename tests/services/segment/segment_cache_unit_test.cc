// segment::SegmentCache on its own: what it keeps, and every way it forgets (a change heard,
// notifications that may be lost, age, a full cache). The service's use of it, with real
// notifications between replicas, is in segment_cache_test.cc.
#include <map>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/segment/segment_cache.h"

namespace throughline::segment {
namespace {

v1::Segment Named(const std::string& name, int64_t revision = 1) {
  v1::Segment segment;
  segment.set_name(name);
  segment.set_revision(revision);
  return segment;
}

class SegmentCacheUnitTest : public ::testing::Test {
 protected:
  SegmentCache cache_{{.max_segments = 3,
                       .notifications_pending = [this] { return pending_; },
                       .max_age = absl::Seconds(60)},
                      [this] { return now_; }};
  bool pending_ = false;
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  const SegmentKey diy_{"acme", "cloud", "diy"};
  const SegmentKey one_click_{"acme", "cloud", "one-click"};
  const SegmentKey globex_{"globex", "cloud", "diy"};
};

TEST_F(SegmentCacheUnitTest, KeepsWhatIsReadWhileItHearsEveryChange) {
  v1::Segment found;
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  EXPECT_FALSE(cache_.Find(diy_, &found)) << "kept before hearing changes";

  cache_.Watching(true);
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  ASSERT_TRUE(cache_.Find(diy_, &found));
  EXPECT_EQ(found.name(), "diy");
  EXPECT_FALSE(cache_.Find(one_click_, &found));
  EXPECT_FALSE(cache_.Find(globex_, &found)) << "keys of another organization are apart";
}

TEST_F(SegmentCacheUnitTest, NothingIsAnsweredWhileANotificationWaitsToBeTold) {
  cache_.Watching(true);
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  pending_ = true;  // received, perhaps a change of this segment
  v1::Segment found;
  EXPECT_FALSE(cache_.Find(diy_, &found));
  pending_ = false;  // told: it was not
  EXPECT_TRUE(cache_.Find(diy_, &found));
}

TEST_F(SegmentCacheUnitTest, AReadThatStartedBeforeAChangeKeepsNothing) {
  cache_.Watching(true);
  const SegmentCache::Ticket before = cache_.StartRead();
  cache_.Changed("acme");  // committed while the read ran: it may hold the old segment
  cache_.Add(diy_, Named("diy"), before);
  v1::Segment found;
  EXPECT_FALSE(cache_.Find(diy_, &found));

  cache_.Add(diy_, Named("diy", 2), cache_.StartRead());
  ASSERT_TRUE(cache_.Find(diy_, &found));
  EXPECT_EQ(found.revision(), 2);
}

TEST_F(SegmentCacheUnitTest, AChangeForgetsItsOrganizationsSegmentsOnly) {
  cache_.Watching(true);
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  cache_.Add(one_click_, Named("one-click"), cache_.StartRead());
  cache_.Add(globex_, Named("globex"), cache_.StartRead());
  cache_.Changed("acme");
  v1::Segment found;
  EXPECT_FALSE(cache_.Find(diy_, &found));
  EXPECT_FALSE(cache_.Find(one_click_, &found));
  EXPECT_TRUE(cache_.Find(globex_, &found));
  EXPECT_EQ(cache_.size(), 1);

  cache_.Changed("");  // any organization's
  EXPECT_FALSE(cache_.Find(globex_, &found));
  EXPECT_EQ(cache_.size(), 0);
}

TEST_F(SegmentCacheUnitTest, NotificationsThatMayBeLostForgetEverythingAndKeepNothing) {
  cache_.Watching(true);
  const SegmentCache::Ticket before = cache_.StartRead();
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  cache_.Watching(false);
  v1::Segment found;
  EXPECT_FALSE(cache_.Find(diy_, &found));
  cache_.Add(one_click_, Named("one-click"), cache_.StartRead());
  EXPECT_FALSE(cache_.Find(one_click_, &found));

  // Listening again: a read that started while notifications may have been lost keeps nothing.
  cache_.Watching(true);
  cache_.Add(diy_, Named("diy"), before);
  EXPECT_FALSE(cache_.Find(diy_, &found));
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  EXPECT_TRUE(cache_.Find(diy_, &found));
}

TEST_F(SegmentCacheUnitTest, ASegmentIsReadAgainOnceItsEntryIsMaxAgeOld) {
  cache_.Watching(true);
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  now_ += absl::Seconds(59);
  v1::Segment found;
  EXPECT_TRUE(cache_.Find(diy_, &found));
  now_ += absl::Seconds(1);
  EXPECT_FALSE(cache_.Find(diy_, &found));
  EXPECT_EQ(cache_.size(), 0);
}

TEST_F(SegmentCacheUnitTest, AFullCacheStartsOver) {
  cache_.Watching(true);
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  cache_.Add(one_click_, Named("one-click"), cache_.StartRead());
  cache_.Add(one_click_, Named("one-click", 2), cache_.StartRead());  // replaces, not added
  cache_.Add(globex_, Named("globex"), cache_.StartRead());
  EXPECT_EQ(cache_.size(), 3);
  const SegmentKey fourth{"acme", "cloud", "fourth"};
  cache_.Add(fourth, Named("fourth"), cache_.StartRead());
  EXPECT_EQ(cache_.size(), 1);
  v1::Segment found;
  EXPECT_TRUE(cache_.Find(fourth, &found));
  EXPECT_FALSE(cache_.Find(diy_, &found));
}

// Every metric of `registry` by name and labels ("name{label=value}"), with its value.
std::map<std::string, double> Metrics(const prometheus::Registry& registry) {
  std::map<std::string, double> values;
  for (const auto& family : registry.Collect()) {
    for (const auto& metric : family.metric) {
      std::string key = family.name + "{";
      for (const auto& label : metric.label) key += label.name + "=" + label.value;
      key += "}";
      values[key] = family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                   : metric.gauge.value;
    }
  }
  return values;
}

TEST_F(SegmentCacheUnitTest, CountsItsAnswersAndWhatItKeeps) {
  auto shared = std::make_shared<prometheus::Registry>();
  const prometheus::Registry& registry = *shared;
  cache_.ExportMetrics(shared);
  cache_.Watching(true);
  v1::Segment found;
  EXPECT_FALSE(cache_.Find(diy_, &found));
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  cache_.Add(globex_, Named("globex"), cache_.StartRead());
  EXPECT_TRUE(cache_.Find(diy_, &found));
  EXPECT_TRUE(cache_.Find(diy_, &found));
  pending_ = true;
  EXPECT_FALSE(cache_.Find(diy_, &found));
  pending_ = false;
  EXPECT_EQ(Metrics(registry), (std::map<std::string, double>{
                                   {"throughline_segment_cache_lookups_total{result=hit}", 2},
                                   {"throughline_segment_cache_lookups_total{result=miss}", 2},
                                   {"throughline_segment_cache_segments{}", 2}}));
  cache_.Changed("acme");
  EXPECT_EQ(Metrics(registry)["throughline_segment_cache_segments{}"], 1);
  now_ += absl::Minutes(2);
  EXPECT_FALSE(cache_.Find(globex_, &found));  // too old: forgotten
  EXPECT_EQ(Metrics(registry)["throughline_segment_cache_segments{}"], 0);
  cache_.Add(diy_, Named("diy"), cache_.StartRead());
  cache_.Watching(false);
  EXPECT_EQ(Metrics(registry)["throughline_segment_cache_segments{}"], 0);
}

TEST_F(SegmentCacheUnitTest, ASizeOfZeroKeepsNothing) {
  SegmentCache off({.max_segments = 0});
  off.Watching(true);
  off.Add(diy_, Named("diy"), off.StartRead());
  v1::Segment found;
  EXPECT_FALSE(off.Find(diy_, &found));
  EXPECT_EQ(off.size(), 0);
}

}  // namespace
}  // namespace throughline::segment
