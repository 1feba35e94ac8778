#include "libs/api/etag.h"

#include <gtest/gtest.h>

#include <regex>

#include "libs/errors/errors.h"

namespace throughline::api {
namespace {

TEST(EtagTest, EtagIsAQuotedStringOfSixteenHexCharacters) {
  const std::string etag = MakeEtag("6f1c0b1e-3c1d-4b8e-9d4e-1f7b2e3a4c5d", 3);
  EXPECT_TRUE(std::regex_match(etag, std::regex("\"[0-9a-f]{16}\""))) << etag;
}

TEST(EtagTest, SameUidAndVersionGiveTheSameEtag) {
  EXPECT_EQ(MakeEtag("uid-1", 7), MakeEtag("uid-1", 7));
}

TEST(EtagTest, EtagIsPinnedAcrossBuilds) {
  // Etags are stored by clients across deployments; changing the scheme breaks their updates.
  // printf 'throughline.etag.v1:5:uid-1:1' | sha256sum
  EXPECT_EQ(MakeEtag("uid-1", 1), "\"f5c116309eb6c243\"");
}

TEST(EtagTest, DifferentVersionOrUidGivesADifferentEtag) {
  EXPECT_NE(MakeEtag("uid-1", 1), MakeEtag("uid-1", 2));
  EXPECT_NE(MakeEtag("uid-1", 1), MakeEtag("uid-2", 1));
  // Naive concatenation would make these collide.
  EXPECT_NE(MakeEtag("uid-1", 12), MakeEtag("uid-11", 2));
}

TEST(EtagTest, MissingEtagSkipsTheCheck) {
  EXPECT_TRUE(CheckEtag("", MakeEtag("u", 1), "organizations/a").ok());
}

TEST(EtagTest, MatchingEtagPasses) {
  EXPECT_TRUE(CheckEtag(MakeEtag("u", 1), MakeEtag("u", 1), "organizations/a").ok());
}

TEST(EtagTest, StaleEtagIsAbortedWithEtagMismatch) {
  absl::Status status = CheckEtag(MakeEtag("u", 1), MakeEtag("u", 2), "organizations/a");
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(errors::GetReason(status), "ETAG_MISMATCH");
  ASSERT_TRUE(errors::GetPreconditionFailure(status).has_value());
  EXPECT_EQ(errors::GetPreconditionFailure(status)->violations(0).subject(), "organizations/a");
}

}  // namespace
}  // namespace throughline::api
