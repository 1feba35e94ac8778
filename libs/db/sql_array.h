#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace throughline::db {

// A PostgreSQL array literal ({"a","b"}) built element by element, to pass a whole column of
// values as one text parameter: `unnest($1::text[])` (or `::bigint[]`, `::timestamptz[]`)
// turns it back into rows. libpqxx 6 has no array parameters; this is how batched statements
// (one INSERT ... SELECT FROM unnest(...) instead of one INSERT per row) get their data.
class ArrayLiteral {
 public:
  // Appends one element; every element is quoted, so any text (including "{}", commas,
  // quotes and backslashes) survives.
  ArrayLiteral& AddText(std::string_view value);
  ArrayLiteral& AddInt(int64_t value);
  ArrayLiteral& AddBool(bool value);

  // The literal, e.g. {"a","b"}; {} when empty.
  std::string str() const { return literal_ + "}"; }
  size_t size() const { return size_; }

 private:
  std::string literal_ = "{";
  size_t size_ = 0;
};

// The literal of a whole list at once.
std::string TextArray(const std::vector<std::string>& values);

}  // namespace throughline::db
