#include "libs/api/page_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "absl/strings/escaping.h"
#include "tests/libs/api/violations.h"

namespace throughline::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::throughline::api::testing::FieldViolationsOf;

const absl::Time kIssued = absl::FromUnixSeconds(1795381800);
const std::string kQuery =
    QueryFingerprint({"organizations/acme/markets/dach", "state = OPEN", "create_time desc"});

std::string Description(const absl::StatusOr<int64_t>& result) {
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  auto violations = FieldViolationsOf(result.status());
  EXPECT_EQ(violations.size(), 1u);
  if (violations.empty()) return "";
  EXPECT_EQ(violations[0].first, "page_token");
  return violations[0].second;
}

TEST(PageTokenTest, TokenRoundTripsTheLastKey) {
  for (int64_t key : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{1234567890123},
                      std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    const std::string token = EncodePageToken(kQuery, key, kIssued);
    absl::StatusOr<int64_t> decoded = DecodePageToken(token, kQuery, kIssued + absl::Minutes(5));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, key);
  }
}

TEST(PageTokenTest, TokenIsUrlSafe) {
  const std::string token = EncodePageToken(kQuery, -42, kIssued);
  EXPECT_FALSE(token.empty());
  for (char c : token) {
    EXPECT_TRUE(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
        << token;
  }
}

TEST(PageTokenTest, TokenOfADifferentQueryIsRejectedWithAClearReason) {
  const std::string token = EncodePageToken(kQuery, 10, kIssued);
  for (const std::string& other :
       {QueryFingerprint({"organizations/globex/markets/dach", "state = OPEN", "create_time desc"}),
        QueryFingerprint({"organizations/acme/markets/dach", "state = DONE", "create_time desc"}),
        QueryFingerprint({"organizations/acme/markets/dach", "state = OPEN", ""})}) {
    EXPECT_EQ(Description(DecodePageToken(token, other, kIssued)),
              "belongs to a different query: parent, filter or order changed; start again "
              "without page_token");
  }
}

TEST(PageTokenTest, ExpiredPageTokenIsRejectedWithAClearReason) {
  const std::string token = EncodePageToken(kQuery, 10, kIssued);
  EXPECT_TRUE(DecodePageToken(token, kQuery, kIssued + absl::Hours(24) - absl::Seconds(1)).ok());
  EXPECT_EQ(Description(DecodePageToken(token, kQuery, kIssued + absl::Hours(24))),
            "expired; start again without page_token");
  EXPECT_EQ(Description(DecodePageToken(token, kQuery, kIssued + absl::Hours(24 * 30))),
            "expired; start again without page_token");
}

TEST(PageTokenTest, EveryAlteredCharacterIsDetected) {
  const std::string token = EncodePageToken(kQuery, 10, kIssued);
  for (size_t i = 0; i < token.size(); ++i) {
    for (char replacement : {'A', 'B', 'z', '0', '-', '_'}) {
      if (token[i] == replacement) continue;
      std::string altered = token;
      altered[i] = replacement;
      EXPECT_THAT(Description(DecodePageToken(altered, kQuery, kIssued)),
                  HasSubstr("malformed or altered"))
          << "position " << i << " replaced by " << replacement;
    }
  }
}

TEST(PageTokenTest, AlteredDecodedByteIsDetectedEvenWithAConsistentEncoding) {
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(EncodePageToken(kQuery, 10, kIssued), &bytes));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string altered = bytes;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    std::string token;
    absl::WebSafeBase64Escape(altered, &token);
    EXPECT_THAT(Description(DecodePageToken(token, kQuery, kIssued)),
                HasSubstr("malformed or altered"))
        << "byte " << i;
  }
}

TEST(PageTokenTest, GarbageIsRejectedAsMalformed) {
  const std::string token = EncodePageToken(kQuery, 10, kIssued);
  for (const std::string& garbage :
       {std::string("x"), std::string("not a token"), std::string("!!!!"), std::string("AAAA"),
        token.substr(0, token.size() - 1), token + "A", token + "AAAA", std::string("===="),
        std::string(4000, 'A'), std::string("\xff\xfe")}) {
    EXPECT_THAT(Description(DecodePageToken(garbage, kQuery, kIssued)),
                HasSubstr("malformed or altered; pass next_page_token from the previous response "
                          "unchanged, or start again without page_token"))
        << garbage;
  }
}

TEST(PageTokenTest, QueryFingerprintSeparatesItsParts) {
  EXPECT_NE(QueryFingerprint({"a", "bc"}), QueryFingerprint({"ab", "c"}));
  EXPECT_EQ(QueryFingerprint({"a", "bc"}), QueryFingerprint({"a", "bc"}));
}

TEST(PageSizeTest, ZeroMeansTheDefaultOfFifty) { EXPECT_EQ(*ResolvePageSize(0), 50); }

TEST(PageSizeTest, SizesUpToTheMaximumAreKept) {
  EXPECT_EQ(*ResolvePageSize(1), 1);
  EXPECT_EQ(*ResolvePageSize(200), 200);
  EXPECT_EQ(*ResolvePageSize(1000), 1000);
}

TEST(PageSizeTest, LargerSizesAreCappedAtOneThousand) {
  EXPECT_EQ(*ResolvePageSize(1001), 1000);
  EXPECT_EQ(*ResolvePageSize(std::numeric_limits<int32_t>::max()), 1000);
}

TEST(PageSizeTest, NegativeSizeIsAnInvalidArgumentOnPageSize) {
  absl::StatusOr<int> size = ResolvePageSize(-1);
  EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument);
  auto violations = FieldViolationsOf(size.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "page_size");
  EXPECT_THAT(violations[0].second, HasSubstr("must not be negative, got -1"));
}

struct Row {
  int64_t key;
  std::string resource;
};

// Pages through keys 1..7 three at a time the way a List method does, collecting every
// resource; the tokens must chain without gaps or repeats and the last page has no token.
TEST(PageTest, PagesChainThroughEveryRowOnce) {
  const std::vector<Row> table = {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"},
                                  {5, "e"}, {6, "f"}, {7, "g"}};
  std::vector<std::string> listed;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<Page> page = StartPage(3, token, {"organizations/acme", ""}, kIssued);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->limit(), 4);
    std::vector<Row> rows;
    for (const Row& row : table) {
      if (row.key > page->last_key && static_cast<int>(rows.size()) < page->limit()) {
        rows.push_back(row);
      }
    }
    token = FinishPage(*page, std::move(rows), kIssued,
                       [&](std::string resource) { listed.push_back(std::move(resource)); });
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(listed, ElementsAre("a", "b", "c", "d", "e", "f", "g"));
}

TEST(PageTest, StartPageChecksSizeAndTokenAgainstTheQuery) {
  EXPECT_EQ(StartPage(0, "", {"organizations/acme"}, kIssued)->size, kDefaultPageSize);
  EXPECT_EQ(StartPage(0, "", {"organizations/acme"}, kIssued)->last_key, 0);
  EXPECT_EQ(StartPage(-5, "", {"organizations/acme"}, kIssued).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string token = EncodePageToken(QueryFingerprint({"organizations/acme"}), 42, kIssued);
  EXPECT_EQ(StartPage(10, token, {"organizations/acme"}, kIssued)->last_key, 42);
  // The same token for another organization's listing is refused.
  absl::StatusOr<Page> foreign = StartPage(10, token, {"organizations/other"}, kIssued);
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kInvalidArgument);
  auto violations = FieldViolationsOf(foreign.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].first, "page_token");
}

}  // namespace
}  // namespace throughline::api
