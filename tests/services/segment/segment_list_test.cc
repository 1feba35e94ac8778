// Listing: pagination returns every resource exactly once in creation order, filters combine
// with pagination, and page tokens are bound to their query.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "tests/services/segment/segment_fixture.h"

namespace throughline::segment::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr char kAllMarkets[] = "organizations/acme/markets/-";
constexpr char kDatabases[] = "organizations/acme/markets/databases";
constexpr char kAnalytics[] = "organizations/acme/markets/analytics";

const v1::Segment::Targeting kTargetings[] = {v1::Segment::TARGETED, v1::Segment::CANDIDATE,
                                              v1::Segment::DEPRIORITIZED};

std::vector<std::string> Names(const std::vector<v1::Segment>& segments) {
  std::vector<std::string> names;
  for (const auto& segment : segments) names.push_back(segment.name());
  return names;
}

// 1,000 segments, created one after the other so that creation order is known: segment i is
// in market databases when i is even, analytics when odd, with targeting kTargetings[i % 3].
class SegmentListTest : public SegmentServiceTest {
 protected:
  static constexpr int kSegments = 1000;

  void CreateThousandSegments() {
    MustCreateMarket("databases");
    MustCreateMarket("analytics");
    for (int i = 0; i < kSegments; ++i) {
      v1::Segment segment = SampleSegment(absl::StrCat("Segment ", i));
      segment.set_targeting(kTargetings[i % 3]);
      segment.set_priority(i % 1001);
      auto created = CreateSegment(kAcmeEditor, i % 2 == 0 ? kDatabases : kAnalytics,
                                   absl::StrFormat("s%04d", i), segment);
      ASSERT_TRUE(created.ok()) << i << ": " << Describe(created.status);
      created_.push_back(created.value.name());
    }
  }

  // The names of the created segments for which `keep(i)` holds, in creation order.
  template <typename Keep>
  std::vector<std::string> Expected(Keep keep) const {
    std::vector<std::string> names;
    for (int i = 0; i < kSegments; ++i) {
      if (keep(i)) names.push_back(created_[i]);
    }
    return names;
  }

  // Pages through a listing, checking each page's size.
  std::vector<std::string> Paginate(const std::string& parent, const std::string& filter,
                                    int page_size, int* pages) {
    std::vector<std::string> names;
    std::string token;
    *pages = 0;
    do {
      auto page = ListSegments(kAcmeViewer, parent, page_size, token, filter);
      EXPECT_TRUE(page.ok()) << Describe(page.status);
      if (!page.ok()) break;
      ++*pages;
      const int effective = page_size == 0 ? 50 : std::min(page_size, 1000);
      EXPECT_LE(page.value.segments_size(), effective);
      token = page.value.next_page_token();
      if (!token.empty()) {
        EXPECT_EQ(page.value.segments_size(), effective);
      }
      for (const auto& segment : page.value.segments()) names.push_back(segment.name());
    } while (!token.empty() && *pages <= kSegments + 1);
    return names;
  }

  std::vector<std::string> created_;
};

TEST_F(SegmentListTest, PaginationOverAThousandSegmentsReturnsEachOnceInOrder) {
  ASSERT_NO_FATAL_FAILURE(CreateThousandSegments());
  const auto everything = Expected([](int) { return true; });
  for (int page_size : {7, 100, 1000, 0, 5000}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    int pages = 0;
    const auto listed = Paginate(kAllMarkets, "", page_size, &pages);
    EXPECT_THAT(listed, ElementsAreArray(everything));
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()).size(), listed.size());
    const int effective = page_size == 0 ? 50 : std::min(page_size, 1000);
    EXPECT_EQ(pages, (kSegments + effective - 1) / effective);
  }
}

TEST_F(SegmentListTest, FiltersCombineWithPagination) {
  ASSERT_NO_FATAL_FAILURE(CreateThousandSegments());
  int pages = 0;
  EXPECT_THAT(Paginate(kDatabases, "", 7, &pages),
              ElementsAreArray(Expected([](int i) { return i % 2 == 0; })));
  EXPECT_THAT(Paginate(kAllMarkets, "targeting = TARGETED", 7, &pages),
              ElementsAreArray(Expected([](int i) { return i % 3 == 0; })));
  EXPECT_THAT(Paginate(kAllMarkets, "targeting = CANDIDATE", 100, &pages),
              ElementsAreArray(Expected([](int i) { return i % 3 == 1; })));
  EXPECT_THAT(Paginate(kAllMarkets, "market = \"organizations/acme/markets/analytics\"", 7, &pages),
              ElementsAreArray(Expected([](int i) { return i % 2 == 1; })));
  EXPECT_THAT(
      Paginate(kAllMarkets,
               "targeting = DEPRIORITIZED AND market = \"organizations/acme/markets/analytics\"", 7,
               &pages),
      ElementsAreArray(Expected([](int i) { return i % 3 == 2 && i % 2 == 1; })));
  EXPECT_THAT(
      Paginate(kDatabases, "targeting=TARGETED AND market=\"" + std::string(kDatabases) + "\"", 100,
               &pages),
      ElementsAreArray(Expected([](int i) { return i % 3 == 0 && i % 2 == 0; })));
}

TEST_F(SegmentListTest, PageTokenIsBoundToItsQuery) {
  MustCreateMarket("databases");
  for (int i = 0; i < 5; ++i) MustCreateSegment(kDatabases, absl::StrCat("s", i));
  auto first = ListSegments(kAcmeViewer, kAllMarkets, 2, "", "targeting = TARGETED");
  ASSERT_TRUE(first.ok()) << Describe(first.status);
  const std::string token = first.value.next_page_token();
  ASSERT_FALSE(token.empty());

  auto other_filter = ListSegments(kAcmeViewer, kAllMarkets, 2, token, "targeting = CANDIDATE");
  EXPECT_EQ(other_filter.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(other_filter.status), ElementsAre("page_token"));
  auto no_filter = ListSegments(kAcmeViewer, kAllMarkets, 2, token, "");
  EXPECT_THAT(ViolatedFields(no_filter.status), ElementsAre("page_token"));
  auto other_parent = ListSegments(kAcmeViewer, kDatabases, 2, token, "targeting = TARGETED");
  EXPECT_THAT(ViolatedFields(other_parent.status), ElementsAre("page_token"));
  auto tampered =
      ListSegments(kAcmeViewer, kAllMarkets, 2,
                   token.substr(0, token.size() - 2) + (token.back() == 'A' ? "BB" : "AA"),
                   "targeting = TARGETED");
  EXPECT_THAT(ViolatedFields(tampered.status), ElementsAre("page_token"));
  auto market_token = ListMarkets(kAcmeViewer, kAcme, 1, token);
  EXPECT_THAT(ViolatedFields(market_token.status), ElementsAre("page_token"));

  // A different page size is fine: it is not part of the query.
  auto second = ListSegments(kAcmeViewer, kAllMarkets, 3, token, "targeting = TARGETED");
  ASSERT_TRUE(second.ok()) << Describe(second.status);
  EXPECT_EQ(second.value.segments_size(), 3);
  EXPECT_THAT(second.value.next_page_token(), IsEmpty());
}

TEST_F(SegmentListTest, PaginationSkipsDeletedAndIncludesNewSegments) {
  MustCreateMarket("databases");
  std::vector<v1::Segment> segments;
  for (int i = 0; i < 6; ++i)
    segments.push_back(MustCreateSegment(kDatabases, absl::StrCat("s", i)));
  auto first = ListSegments(kAcmeViewer, kDatabases, 3);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(Names({first.value.segments().begin(), first.value.segments().end()}),
              ElementsAre(segments[0].name(), segments[1].name(), segments[2].name()));
  ASSERT_TRUE(DeleteSegment(kAcmeEditor, segments[3].name()).ok());
  const v1::Segment added = MustCreateSegment(kDatabases, "s6");
  auto rest = ListSegments(kAcmeViewer, kDatabases, 10, first.value.next_page_token());
  ASSERT_TRUE(rest.ok()) << Describe(rest.status);
  EXPECT_THAT(Names({rest.value.segments().begin(), rest.value.segments().end()}),
              ElementsAre(segments[4].name(), segments[5].name(), added.name()));
}

TEST_F(SegmentListTest, MarketsPaginateAndFilterByDecision) {
  std::vector<std::string> all, compete;
  for (int i = 0; i < 12; ++i) {
    v1::Market market = SampleMarket(absl::StrCat("Market ", i));
    market.set_decision(i % 3 == 0 ? v1::Market::COMPETE
                                   : (i % 3 == 1 ? v1::Market::WATCH : v1::Market::EXIT));
    const v1::Market created = MustCreateMarket(absl::StrCat("m", i), market);
    all.push_back(created.name());
    if (i % 3 == 0) compete.push_back(created.name());
  }
  for (const auto& [filter, expected] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"", all}, {"decision = COMPETE", compete}}) {
    SCOPED_TRACE(filter);
    std::vector<std::string> listed;
    std::string token;
    do {
      auto page = ListMarkets(kAcmeViewer, kAcme, 5, token, filter);
      ASSERT_TRUE(page.ok()) << Describe(page.status);
      for (const auto& market : page.value.markets()) listed.push_back(market.name());
      token = page.value.next_page_token();
    } while (!token.empty());
    EXPECT_THAT(listed, ElementsAreArray(expected));
  }
}

TEST_F(SegmentListTest, EmptyListingHasNoNextPage) {
  auto markets = ListMarkets(kAcmeViewer, kAcme);
  ASSERT_TRUE(markets.ok()) << Describe(markets.status);
  EXPECT_THAT(markets.value.markets(), IsEmpty());
  EXPECT_THAT(markets.value.next_page_token(), IsEmpty());
  auto segments = ListSegments(kAcmeViewer, kAllMarkets);
  ASSERT_TRUE(segments.ok()) << Describe(segments.status);
  EXPECT_THAT(segments.value.segments(), IsEmpty());
  EXPECT_THAT(segments.value.next_page_token(), IsEmpty());
}

}  // namespace
}  // namespace throughline::segment::testing
