#include "libs/log/log.h"

#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace throughline::log {
namespace {

// 2026-11-22T21:10:00.123456Z
const absl::Time kNow = absl::FromUnixMicros(1795381800123456);

// Parses a line with an independent JSON parser, so escaping is checked against a real reader.
google::protobuf::Struct ParseJson(const std::string& line) {
  google::protobuf::Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(line, &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << line;
  return parsed;
}

std::string StringField(const std::string& line, const std::string& key) {
  google::protobuf::Struct parsed = ParseJson(line);
  auto it = parsed.fields().find(key);
  if (it == parsed.fields().end()) return "<missing>";
  return it->second.string_value();
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSinkForTesting([this](std::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    });
    SetClockForTesting([] { return kNow; });
    SetMinLevel(Level::kInfo);
  }

  void TearDown() override {
    SetSinkForTesting(nullptr);
    SetClockForTesting(nullptr);
    SetMinLevel(Level::kInfo);
  }

  std::vector<std::string> Lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

  std::string OnlyLine() {
    std::vector<std::string> lines = Lines();
    EXPECT_EQ(lines.size(), 1u);
    return lines.empty() ? "" : lines[0];
  }

  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

TEST_F(LogTest, LineHasTimestampLevelMessageThenFieldsInOrder) {
  const int port = 50051;
  Info("server started", {{"port", port}, {"service", "segment"}});
  EXPECT_EQ(OnlyLine(),
            "{\"ts\":\"2026-11-22T21:10:00.123456Z\",\"level\":\"info\",\"msg\":\"server started\","
            "\"port\":50051,\"service\":\"segment\"}");
}

TEST_F(LogTest, FieldsAcceptEveryNaturalValueType) {
  const std::string owned = "owned";
  const std::string_view view = "view";
  const int64_t big = 9007199254740993;
  const uint32_t small_unsigned = 7;
  Warning("values", {{"literal", "lit"},
                     {"string", owned},
                     {"view", view},
                     {"int", -3},
                     {"int64", big},
                     {"unsigned", small_unsigned},
                     {"double", 0.25},
                     {"float", 1.5f},
                     {"true", true},
                     {"false", false},
                     {"value", Value(std::string("explicit"))}});
  EXPECT_EQ(OnlyLine(),
            "{\"ts\":\"2026-11-22T21:10:00.123456Z\",\"level\":\"warning\",\"msg\":\"values\","
            "\"literal\":\"lit\",\"string\":\"owned\",\"view\":\"view\",\"int\":-3,"
            "\"int64\":9007199254740993,\"unsigned\":7,\"double\":0.25,\"float\":1.5,"
            "\"true\":true,\"false\":false,\"value\":\"explicit\"}");
}

TEST_F(LogTest, EachLevelIsNamedInTheLine) {
  SetMinLevel(Level::kDebug);
  Debug("d");
  Info("i");
  Warning("w");
  Error("e");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(StringField(lines[0], "level"), "debug");
  EXPECT_EQ(StringField(lines[1], "level"), "info");
  EXPECT_EQ(StringField(lines[2], "level"), "warning");
  EXPECT_EQ(StringField(lines[3], "level"), "error");
}

TEST_F(LogTest, LinesBelowTheMinimumLevelAreDropped) {
  SetMinLevel(Level::kWarning);
  Debug("no");
  Info("no");
  Warning("yes");
  Error("yes too");
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(StringField(lines[0], "msg"), "yes");
  EXPECT_EQ(StringField(lines[1], "msg"), "yes too");
}

TEST_F(LogTest, QuotesAndBackslashesAreEscaped) {
  Info("say \"hi\" to C:\\dir", {{"path", "a\\\"b"}});
  const std::string line = OnlyLine();
  EXPECT_NE(line.find("\"msg\":\"say \\\"hi\\\" to C:\\\\dir\""), std::string::npos) << line;
  EXPECT_EQ(StringField(line, "msg"), "say \"hi\" to C:\\dir");
  EXPECT_EQ(StringField(line, "path"), "a\\\"b");
}

TEST_F(LogTest, ControlCharactersAreEscaped) {
  const std::string message(
      "a\x01"
      "b\x1f"
      "c\x7f"
      "d\n\t\r",
      10);
  const std::string with_nul("x\0y", 3);
  Info(message, {{"nul", with_nul}});
  const std::string line = OnlyLine();
  EXPECT_NE(line.find("a\\u0001b\\u001fc\\u007fd\\n\\t\\r"), std::string::npos) << line;
  EXPECT_NE(line.find("x\\u0000y"), std::string::npos) << line;
  EXPECT_EQ(StringField(line, "msg"), message);
  EXPECT_EQ(StringField(line, "nul"), with_nul);
  for (char c : line) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << line;
}

TEST_F(LogTest, ValidUtf8IsKeptAsIs) {
  const std::string text = "caf\xc3\xa9 \xe4\xb8\x96 \xf0\x9f\x9a\x80";  // café 世 🚀
  Info(text);
  const std::string line = OnlyLine();
  EXPECT_NE(line.find(text), std::string::npos);
  EXPECT_EQ(StringField(line, "msg"), text);
}

TEST_F(LogTest, InvalidUtf8BytesBecomeReplacementCharacters) {
  struct Case {
    std::string input;
    std::string escaped;
  };
  const Case cases[] = {
      {"a\xff"
       "b",
       "a\\ufffdb"},                                         // never valid in UTF-8
      {"\x80", "\\ufffd"},                                   // continuation without a lead byte
      {"\xc3", "\\ufffd"},                                   // truncated two-byte sequence
      {"\xe4\xb8", "\\ufffd\\ufffd"},                        // truncated three-byte sequence
      {"\xc0\xaf", "\\ufffd\\ufffd"},                        // overlong '/'
      {"\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd"},             // overlong three-byte
      {"\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"},             // UTF-16 surrogate
      {"\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"},  // above U+10FFFF
      {"\xc3(\xc3\xa9", "\\ufffd(\xc3\xa9"},                 // valid text resumes after a bad byte
  };
  for (const Case& c : cases) {
    std::string out;
    AppendJsonString(out, c.input);
    EXPECT_EQ(out, "\"" + c.escaped + "\"");
    ParseJson("{\"v\":" + out + "}");
  }
}

TEST_F(LogTest, FieldsNamedLikeLineKeysCannotOverwriteThem) {
  Info("real", {{"msg", "fake"}, {"level", "fake"}, {"ts", "fake"}});
  const std::string line = OnlyLine();
  EXPECT_EQ(StringField(line, "msg"), "real");
  EXPECT_EQ(StringField(line, "level"), "info");
  EXPECT_EQ(StringField(line, "field.msg"), "fake");
  EXPECT_EQ(StringField(line, "field.level"), "fake");
  EXPECT_EQ(StringField(line, "field.ts"), "fake");
}

TEST_F(LogTest, NonFiniteNumbersAreWrittenAsStringsToKeepTheLineValidJson) {
  Info("numbers", {{"nan", std::numeric_limits<double>::quiet_NaN()},
                   {"inf", std::numeric_limits<double>::infinity()},
                   {"ninf", -std::numeric_limits<double>::infinity()}});
  const std::string line = OnlyLine();
  EXPECT_EQ(StringField(line, "nan"), "NaN");
  EXPECT_EQ(StringField(line, "inf"), "Infinity");
  EXPECT_EQ(StringField(line, "ninf"), "-Infinity");
}

TEST_F(LogTest, ConcurrentWritersEachProduceWholeLines) {
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        Info(std::string(300, static_cast<char>('a' + t)), {{"thread", t}, {"i", i}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLinesPerThread));
  std::vector<int> seen(kThreads, 0);
  for (const std::string& line : lines) {
    google::protobuf::Struct parsed = ParseJson(line);
    const int t = static_cast<int>(parsed.fields().at("thread").number_value());
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(parsed.fields().at("msg").string_value(), std::string(300, 'a' + t));
    EXPECT_EQ(parsed.fields().at("i").number_value(), seen[t]++);
  }
}

TEST_F(LogTest, ConcurrentWritersToStderrNeverInterleaveLines) {
  SetSinkForTesting(nullptr);
  char path[] = "/tmp/throughline_log_test_XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  const int saved_stderr = dup(STDERR_FILENO);
  ASSERT_GE(saved_stderr, 0);
  ASSERT_GE(dup2(file, STDERR_FILENO), 0);

  // Lines longer than PIPE_BUF, so a line written in pieces would show.
  constexpr int kThreads = 6;
  constexpr int kLinesPerThread = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        Error(std::string(6000, static_cast<char>('a' + t)), {{"thread", t}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  dup2(saved_stderr, STDERR_FILENO);
  close(saved_stderr);
  close(file);
  std::ifstream in(path);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    ++count;
    google::protobuf::Struct parsed = ParseJson(line);
    const int t = static_cast<int>(parsed.fields().at("thread").number_value());
    EXPECT_EQ(parsed.fields().at("msg").string_value(), std::string(6000, 'a' + t));
  }
  std::remove(path);
  EXPECT_EQ(count, kThreads * kLinesPerThread);
}

TEST(LogLevelTest, ParseLevelAcceptsTheFourNamesInAnyCase) {
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("info"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarning);
  EXPECT_EQ(*ParseLevel("ERROR"), Level::kError);
}

TEST(LogLevelTest, ParseLevelRejectsUnknownNamesAndListsTheValidOnes) {
  absl::StatusOr<Level> level = ParseLevel("verbose");
  ASSERT_FALSE(level.ok());
  EXPECT_EQ(level.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(level.status().message(),
            "unknown log level \"verbose\"; use debug, info, warning or error");
}

TEST(LogLevelTest, LevelNamesRoundTripThroughParseLevel) {
  for (Level level : {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
    EXPECT_EQ(*ParseLevel(LevelName(level)), level);
  }
}

}  // namespace
}  // namespace throughline::log
