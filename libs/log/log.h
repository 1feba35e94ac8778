// Structured logging: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-22T21:10:00.123456Z","level":"info","msg":"server started","port":50051}
// so that log collectors can index fields without parsing free text.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace throughline::log {

enum class Level { kDebug, kInfo, kWarning, kError };

// Lines below the minimum level are dropped; the default is kInfo.
void SetMinLevel(Level level);
Level MinLevel();

// "debug", "info", "warning", "error" (case-insensitive); INVALID_ARGUMENT otherwise.
absl::StatusOr<Level> ParseLevel(std::string_view name);

// The name written in the "level" field: "debug", "info", "warning", "error".
std::string_view LevelName(Level level);

using Value = std::variant<std::string, int64_t, double, bool>;

// One key/value of a log line. The constructors let call sites write plain values:
//   log::Info("server started", {{"port", port}, {"service", "segment"}});
// Any integer becomes int64_t (unsigned values above INT64_MAX wrap), any floating point double.
// A field named "ts", "level" or "msg" is written as "field.ts" etc. so it can never overwrite
// the line's own keys.
struct Field {
  Field(std::string_view k, Value v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, absl::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  template <typename T>
  requires std::integral<T> &&(!std::same_as<T, bool>)Field(std::string_view k, T v)
      : key(k), value(static_cast<int64_t>(v)) {}
  template <typename T>
  requires std::floating_point<T> Field(std::string_view k, T v)
      : key(k), value(static_cast<double>(v)) {}

  std::string_view key;
  Value value;
};

// Writes one line if `level` is at or above the minimum. Thread-safe: each line is formatted
// first and then emitted with a single write, so concurrent lines never interleave.
void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view message, std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, message, fields);
}
inline void Info(std::string_view message, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, message, fields);
}
inline void Warning(std::string_view message, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarning, message, fields);
}
inline void Error(std::string_view message, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, message, fields);
}

// Sends every line (without the trailing newline) to `sink` instead of stderr; nullptr restores
// stderr. Calls to the sink are serialized; the sink must not log.
void SetSinkForTesting(std::function<void(std::string_view line)> sink);

// Replaces the clock of the "ts" field; nullptr restores absl::Now.
void SetClockForTesting(std::function<absl::Time()> clock);

// Formats one line exactly as Write would, without the trailing newline.
std::string FormatLine(absl::Time time, Level level, std::string_view message,
                       std::initializer_list<Field> fields = {});

// Appends `text` to `out` as a JSON string literal (with quotes): quotes, backslashes and
// control characters are escaped and bytes that are not valid UTF-8 become \ufffd.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace throughline::log
