#include "libs/api/filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/libs/api/violations.h"

namespace throughline::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::throughline::api::testing::FieldViolationsOf;

const std::vector<std::string> kAllowed = {"state", "owner", "need.kind"};

MATCHER_P2(Term, field, value, "") { return arg.field == field && arg.value == value; }

std::vector<std::string> Descriptions(std::string_view filter,
                                      const std::vector<std::string>& allowed = kAllowed) {
  absl::StatusOr<std::vector<FilterTerm>> terms = ParseFilter(filter, allowed);
  EXPECT_EQ(terms.status().code(), absl::StatusCode::kInvalidArgument) << filter;
  std::vector<std::string> out;
  for (const auto& [field, description] : FieldViolationsOf(terms.status())) {
    EXPECT_EQ(field, "filter");
    out.push_back(description);
  }
  return out;
}

TEST(FilterTest, EmptyOrBlankFilterHasNoTerms) {
  for (std::string_view filter : {"", " ", "\t\n "}) {
    absl::StatusOr<std::vector<FilterTerm>> terms = ParseFilter(filter, kAllowed);
    ASSERT_TRUE(terms.ok()) << terms.status();
    EXPECT_TRUE(terms->empty());
  }
}

TEST(FilterTest, SingleBareTermIsParsed) {
  absl::StatusOr<std::vector<FilterTerm>> terms = ParseFilter("state=OPEN", kAllowed);
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_THAT(*terms, ElementsAre(Term("state", "OPEN")));
}

TEST(FilterTest, TermsJoinedByAndAreParsedInOrder) {
  absl::StatusOr<std::vector<FilterTerm>> terms = ParseFilter(
      "  state = OPEN AND\towner=\"erin@acme.example\"  AND need.kind = sku-2.1_b ", kAllowed);
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_THAT(*terms, ElementsAre(Term("state", "OPEN"), Term("owner", "erin@acme.example"),
                                  Term("need.kind", "sku-2.1_b")));
}

TEST(FilterTest, QuotedValuesResolveEscapesAndKeepSpacesAndUnicode) {
  absl::StatusOr<std::vector<FilterTerm>> terms = ParseFilter(R"(owner = "Erin \"E\" O'Neil \\ caf)"
                                                              "\xc3\xa9"
                                                              R"(  AND" AND state="")",
                                                              kAllowed);
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_THAT(*terms, ElementsAre(Term("owner", "Erin \"E\" O'Neil \\ caf\xc3\xa9  AND"),
                                  Term("state", "")));
}

TEST(FilterTest, UnknownFieldIsNamedWithTheAllowedFields) {
  EXPECT_THAT(Descriptions("color = red"),
              ElementsAre("unknown field \"color\"; filterable fields: state, owner, need.kind"));
}

TEST(FilterTest, EveryUnknownFieldIsReported) {
  EXPECT_THAT(Descriptions("color = red AND state = OPEN AND size = 3"),
              ElementsAre(HasSubstr("\"color\""), HasSubstr("\"size\"")));
}

TEST(FilterTest, CollectionWithoutFilterableFieldsSaysSo) {
  EXPECT_THAT(Descriptions("state = OPEN", {}),
              ElementsAre("unknown field \"state\"; this collection cannot be filtered"));
}

TEST(FilterTest, RepeatedFieldIsRejected) {
  EXPECT_THAT(Descriptions("state = OPEN AND state = DONE"),
              ElementsAre("field \"state\" appears more than once; each field may be given once"));
}

TEST(FilterTest, TooLongFilterIsRejected) {
  std::string filter = "owner = \"" + std::string(2000, 'x') + "\"";
  EXPECT_THAT(Descriptions(filter),
              ElementsAre(HasSubstr("filter is 2010 characters long; the limit is 2000")));
  EXPECT_TRUE(ParseFilter("owner = " + std::string(1992, 'x'), kAllowed).ok());
}

TEST(FilterTest, SyntaxErrorsSayWhatWasExpectedAndWhere) {
  struct Case {
    std::string filter;
    std::string description;
  };
  const Case cases[] = {
      {"= OPEN", "expected a field name at character 1, found \"=\""},
      {"state",
       "expected \"=\" after \"state\" at the end of the filter, found the end of the "
       "filter"},
      {"state OPEN", "expected \"=\" after \"state\" at character 7, found \"O\""},
      {"state != OPEN",
       "expected \"=\" after \"state\" at character 7, found \"!\"; only \"=\" "
       "comparisons are supported"},
      {"state:OPEN",
       "expected \"=\" after \"state\" at character 6, found \":\"; only \"=\" "
       "comparisons are supported"},
      {"state =",
       "expected a value after \"state =\" at the end of the filter, found the end of "
       "the filter; quote values that contain other characters"},
      {"state = (OPEN)",
       "expected a value after \"state =\" at character 9, found \"(\"; quote "
       "values that contain other characters"},
      {"state = OPEN owner = x",
       "expected \"AND\" or the end of the filter at character 14, "
       "found \"owner\""},
      {"state = OPEN OR owner = x",
       "expected \"AND\" or the end of the filter at character 14, "
       "found \"OR\"; only AND is supported"},
      {"state = OPEN and owner = x",
       "expected \"AND\" or the end of the filter at character 14, "
       "found \"and\"; write AND in uppercase"},
      {"state = OPEN AND", "expected a term after AND, found the end of the filter"},
      {"state = OPEN AND ",
       "expected a field name at the end of the filter, found the end of "
       "the filter"},
      {"state = OPEN ANDowner = x",
       "expected \"AND\" or the end of the filter at character 14, "
       "found \"ANDowner\""},
      {"state = \"OPEN\"AND owner = x",
       "expected \"AND\" or the end of the filter at character "
       "15, found \"AND\""},
      {"state = OPEN AND(owner = x)",
       "expected whitespace after AND at character 17, found "
       "\"(\""},
      {"state = OPEN AND AND",
       "expected \"=\" after \"AND\" at the end of the filter, found the "
       "end of the filter"},
      {"owner = \"erin", "unterminated quoted value starting at character 9; add the closing \""},
      {"owner = \"a\\nb\"",
       "invalid escape \"\\\\n\" at character 11 in a quoted value; only "
       "\\\" and \\\\ are allowed"},
      {"owner = \"a\\",
       "invalid escape \"\\\\\" at character 11 in a quoted value; only \\\" and "
       "\\\\ are allowed"},
      {"1state = x", "expected a field name at character 1, found \"1\""},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Descriptions(c.filter), ElementsAre(c.description)) << c.filter;
  }
}

TEST(FilterTest, UnknownFieldsBeforeASyntaxErrorAreReportedToo) {
  EXPECT_THAT(Descriptions("color = red AND state"),
              ElementsAre(HasSubstr("unknown field \"color\""),
                          HasSubstr("expected \"=\" after \"state\"")));
}

}  // namespace
}  // namespace throughline::api
