#include "libs/api/filter.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/errors/errors.h"

namespace throughline::api {
namespace {

constexpr std::string_view kField = "filter";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsFieldStart(char c) { return IsAlpha(c) || c == '_'; }
bool IsFieldChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == '.'; }
bool IsBareChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == '.' || c == '-'; }

// A recursive-descent parser over the grammar in filter.h. Syntax errors stop parsing (what
// follows cannot be interpreted); unknown and repeated fields are collected so the caller sees
// all of them at once.
class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& allowed)
      : text_(text), allowed_(allowed) {}

  absl::StatusOr<std::vector<FilterTerm>> Parse() {
    SkipSpaces();
    if (AtEnd()) return terms_;
    while (true) {
      if (!ParseTerm()) break;
      const bool had_space = SkipSpaces() > 0;
      if (AtEnd()) break;
      const size_t word_start = pos_;
      const std::string_view word = ReadWhile(IsBareChar);
      if (!had_space || word != "AND") {
        pos_ = word_start;
        SyntaxError(ExpectedAndMessage(word));
        break;
      }
      if (AtEnd()) {
        SyntaxError("expected a term after AND, found the end of the filter");
        break;
      }
      if (!IsSpace(Peek())) {
        SyntaxError(absl::StrCat("expected whitespace after AND at character ", pos_ + 1,
                                 ", found ", errors::Quote(text_.substr(pos_, 1))));
        break;
      }
      SkipSpaces();
    }
    if (!violations_.empty()) return violations_.ToStatus();
    return terms_;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  size_t SkipSpaces() {
    const size_t start = pos_;
    while (!AtEnd() && IsSpace(Peek())) ++pos_;
    return pos_ - start;
  }

  std::string_view ReadWhile(bool (*predicate)(char)) {
    const size_t start = pos_;
    while (!AtEnd() && predicate(Peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // `found "x"` for the character at pos_, or `found the end of the filter`.
  std::string Found() const {
    if (AtEnd()) return "found the end of the filter";
    return absl::StrCat("found ", errors::Quote(text_.substr(pos_, 1)));
  }

  std::string At() const {
    if (AtEnd()) return "at the end of the filter";
    return absl::StrCat("at character ", pos_ + 1);
  }

  std::string ExpectedAndMessage(std::string_view word) const {
    std::string message =
        absl::StrCat("expected \"AND\" or the end of the filter at character ", pos_ + 1,
                     ", found ", errors::Quote(word.empty() ? text_.substr(pos_, 1) : word));
    if (word == "and") {
      absl::StrAppend(&message, "; write AND in uppercase");
    } else if (word == "OR" || word == "or" || word == "NOT" || word == "not") {
      absl::StrAppend(&message, "; only AND is supported");
    }
    return message;
  }

  void SyntaxError(std::string description) {
    violations_.Add(std::string(kField), std::move(description));
  }

  // Parses one term at pos_; false after a syntax error.
  bool ParseTerm() {
    if (AtEnd() || !IsFieldStart(Peek())) {
      SyntaxError(absl::StrCat("expected a field name ", At(), ", ", Found()));
      return false;
    }
    const std::string field(ReadWhile(IsFieldChar));
    SkipSpaces();
    if (AtEnd() || Peek() != '=') {
      std::string message =
          absl::StrCat("expected \"=\" after ", errors::Quote(field), " ", At(), ", ", Found());
      if (!AtEnd() && std::string_view(":!<>~").find(Peek()) != std::string_view::npos) {
        absl::StrAppend(&message, "; only \"=\" comparisons are supported");
      }
      SyntaxError(std::move(message));
      return false;
    }
    ++pos_;
    SkipSpaces();
    std::optional<std::string> value = ParseValue(field);
    if (!value.has_value()) return false;
    CheckField(field);
    terms_.push_back(FilterTerm{field, std::move(*value)});
    return true;
  }

  std::optional<std::string> ParseValue(const std::string& field) {
    if (!AtEnd() && Peek() == '"') return ParseQuoted();
    if (AtEnd() || !IsBareChar(Peek())) {
      SyntaxError(absl::StrCat("expected a value after ", errors::Quote(field + " ="), " ", At(),
                               ", ", Found(), "; quote values that contain other characters"));
      return std::nullopt;
    }
    return std::string(ReadWhile(IsBareChar));
  }

  std::optional<std::string> ParseQuoted() {
    const size_t start = pos_;
    ++pos_;
    std::string value;
    while (!AtEnd()) {
      const char c = Peek();
      if (c == '"') {
        ++pos_;
        return value;
      }
      if (c == '\\') {
        if (pos_ + 1 < text_.size() && (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '\\')) {
          value += text_[pos_ + 1];
          pos_ += 2;
          continue;
        }
        SyntaxError(absl::StrCat(
            "invalid escape ", errors::Quote(text_.substr(pos_, pos_ + 1 < text_.size() ? 2 : 1)),
            " at character ", pos_ + 1, " in a quoted value; only \\\" and \\\\ are allowed"));
        return std::nullopt;
      }
      value += c;
      ++pos_;
    }
    SyntaxError(absl::StrCat("unterminated quoted value starting at character ", start + 1,
                             "; add the closing \""));
    return std::nullopt;
  }

  void CheckField(const std::string& field) {
    if (std::find(allowed_.begin(), allowed_.end(), field) == allowed_.end()) {
      violations_.Add(std::string(kField),
                      allowed_.empty()
                          ? absl::StrCat("unknown field ", errors::Quote(field),
                                         "; this collection cannot be filtered")
                          : absl::StrCat("unknown field ", errors::Quote(field),
                                         "; filterable fields: ", absl::StrJoin(allowed_, ", ")));
      return;
    }
    for (const FilterTerm& term : terms_) {
      if (term.field == field) {
        violations_.Add(std::string(kField),
                        absl::StrCat("field ", errors::Quote(field),
                                     " appears more than once; each field may be given once"));
        return;
      }
    }
  }

  std::string_view text_;
  const std::vector<std::string>& allowed_;
  size_t pos_ = 0;
  std::vector<FilterTerm> terms_;
  errors::Violations violations_;
};

}  // namespace

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(
    std::string_view filter, const std::vector<std::string>& allowed_fields) {
  if (filter.size() > kMaxFilterLength) {
    return errors::InvalidField(std::string(kField),
                                absl::StrCat("filter is ", filter.size(),
                                             " characters long; the limit is ", kMaxFilterLength));
  }
  return Parser(filter, allowed_fields).Parse();
}

}  // namespace throughline::api
