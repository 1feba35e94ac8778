#include "libs/log/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace throughline::log {
namespace {

struct State {
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
  absl::Mutex mu;
  std::function<void(std::string_view)> sink ABSL_GUARDED_BY(mu);
  std::function<absl::Time()> clock ABSL_GUARDED_BY(mu);
};

// Never destroyed, so that logging from static destructors and detached threads stays safe.
State& GlobalState() {
  static State* state = new State();
  return *state;
}

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the byte there does not
// begin one. Rejects overlong forms, surrogates and code points above U+10FFFF.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t j) { return static_cast<unsigned char>(text[j]); };
  auto in = [&](size_t j, unsigned char lo, unsigned char hi) {
    return j < text.size() && byte(j) >= lo && byte(j) <= hi;
  };
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return in(i + 1, 0x80, 0xBF) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    const unsigned char lo = b == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b == 0xED ? 0x9F : 0xBF;
    return in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    const unsigned char lo = b == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b == 0xF4 ? 0x8F : 0xBF;
    return in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

void AppendKey(std::string& out, std::string_view key) {
  if (key == "ts" || key == "level" || key == "msg") {
    AppendJsonString(out, absl::StrCat("field.", absl::string_view(key.data(), key.size())));
  } else {
    AppendJsonString(out, key);
  }
}

void AppendValue(std::string& out, const Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    AppendJsonString(out, *s);
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    absl::StrAppend(&out, *i);
  } else if (const auto* b = std::get_if<bool>(&value)) {
    out += *b ? "true" : "false";
  } else {
    const double d = std::get<double>(value);
    // JSON has no NaN or infinities; strings keep the line parseable and the value visible.
    if (std::isnan(d)) {
      out += "\"NaN\"";
    } else if (std::isinf(d)) {
      out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    } else {
      char buffer[32];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), d);
      out.append(buffer, ec == std::errc() ? end : buffer);
    }
  }
}

void WriteToStderr(std::string_view line) {
  while (!line.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report a failing stderr.
    }
    line.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void SetMinLevel(Level level) {
  GlobalState().min_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

Level MinLevel() {
  return static_cast<Level>(GlobalState().min_level.load(std::memory_order_relaxed));
}

absl::StatusOr<Level> ParseLevel(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warning") return Level::kWarning;
  if (lower == "error") return Level::kError;
  std::string quoted;
  AppendJsonString(quoted, name);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level ", quoted, "; use debug, info, warning or error"));
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

void AppendJsonString(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      const size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
        continue;
      }
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
  out += '"';
}

std::string FormatLine(absl::Time time, Level level, std::string_view message,
                       std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(96 + message.size());
  line += "{\"ts\":\"";
  line += absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\",\"msg\":";
  AppendJsonString(line, message);
  for (const Field& field : fields) {
    line += ',';
    AppendKey(line, field.key);
    line += ':';
    AppendValue(line, field.value);
  }
  line += '}';
  return line;
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  State& state = GlobalState();
  if (static_cast<int>(level) < state.min_level.load(std::memory_order_relaxed)) return;

  absl::Time now;
  {
    absl::ReaderMutexLock lock(&state.mu);
    now = state.clock ? state.clock() : absl::Now();
  }
  // Formatted outside the lock; only the emission is serialized.
  std::string line = FormatLine(now, level, message, fields);

  absl::MutexLock lock(&state.mu);
  if (state.sink) {
    state.sink(line);
    return;
  }
  line += '\n';
  WriteToStderr(line);
}

void SetSinkForTesting(std::function<void(std::string_view line)> sink) {
  State& state = GlobalState();
  absl::MutexLock lock(&state.mu);
  state.sink = std::move(sink);
}

void SetClockForTesting(std::function<absl::Time()> clock) {
  State& state = GlobalState();
  absl::MutexLock lock(&state.mu);
  state.clock = std::move(clock);
}

}  // namespace throughline::log
