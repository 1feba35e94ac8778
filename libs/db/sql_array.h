#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pqxx/pqxx"

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
  // Appends every element of `other`, after this one's.
  ArrayLiteral& Append(const ArrayLiteral& other);

  // The literal, e.g. {"a","b"}; {} when empty.
  std::string str() const { return literal_ + "}"; }
  size_t size() const { return size_; }

 private:
  std::string literal_ = "{";
  size_t size_ = 0;
};

// The literal of a whole list at once.
std::string TextArray(const std::vector<std::string>& values);

// A column of byte strings (serialized protobuf) passed as one binary parameter, their
// concatenation, with where each starts and how long it is: in SQL,
// `substring($blob::bytea FROM start FOR length)` over `unnest($starts::int[], $lengths::int[])`
// gives them back. Nothing is escaped or encoded, and PostgreSQL parses no text for them
// (base64 in a text array cost a batch of 1,000 events tens of milliseconds).
class BinaryColumn {
 public:
  void Add(std::string_view bytes);
  // Appends every byte string of `other`, after this one's.
  void Append(const BinaryColumn& other);

  pqxx::binarystring blob() const { return pqxx::binarystring(blob_); }
  std::string starts() const;  // 1-based, as substring() counts
  std::string lengths() const;

 private:
  std::string blob_;
  std::vector<int64_t> lengths_;
};

}  // namespace throughline::db
