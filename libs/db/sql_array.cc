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

std::string TextArray(const std::vector<std::string>& values) {
  ArrayLiteral array;
  for (const auto& value : values) array.AddText(value);
  return array.str();
}

void BinaryColumn::Add(std::string_view bytes) {
  starts_.AddInt(static_cast<int64_t>(blob_.size()) + 1);
  lengths_.AddInt(static_cast<int64_t>(bytes.size()));
  blob_.append(bytes);
}

}  // namespace throughline::db
