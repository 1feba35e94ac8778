#include "libs/db/sql_array.h"

#include "absl/strings/str_cat.h"

namespace throughline::db {

ArrayLiteral& ArrayLiteral::AddText(std::string_view value) {
  if (size_++ > 0) literal_ += ',';
  literal_ += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') literal_ += '\\';
    literal_ += c;
  }
  literal_ += '"';
  return *this;
}

ArrayLiteral& ArrayLiteral::AddInt(int64_t value) { return AddText(absl::StrCat(value)); }

ArrayLiteral& ArrayLiteral::AddBool(bool value) { return AddText(value ? "t" : "f"); }

ArrayLiteral& ArrayLiteral::Append(const ArrayLiteral& other) {
  if (other.size_ == 0) return *this;
  if (size_ > 0) literal_ += ',';
  literal_.append(other.literal_, 1);  // without its "{"
  size_ += other.size_;
  return *this;
}

std::string TextArray(const std::vector<std::string>& values) {
  ArrayLiteral array;
  for (const auto& value : values) array.AddText(value);
  return array.str();
}

void BinaryColumn::Add(std::string_view bytes) {
  lengths_.push_back(static_cast<int64_t>(bytes.size()));
  blob_.append(bytes);
}

void BinaryColumn::Append(const BinaryColumn& other) {
  lengths_.insert(lengths_.end(), other.lengths_.begin(), other.lengths_.end());
  blob_.append(other.blob_);
}

std::string BinaryColumn::starts() const {
  ArrayLiteral starts;
  int64_t start = 1;
  for (int64_t length : lengths_) {
    starts.AddInt(start);
    start += length;
  }
  return starts.str();
}

std::string BinaryColumn::lengths() const {
  ArrayLiteral lengths;
  for (int64_t length : lengths_) lengths.AddInt(length);
  return lengths.str();
}

}  // namespace throughline::db
