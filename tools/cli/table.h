// A plain-text table: a header row, columns padded to their widest cell and two spaces apart,
// long cells cut with "…" so one long value does not push every row off the screen.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace throughline::cli {

class Table {
 public:
  // The widest a cell is printed, in characters.
  static constexpr size_t kMaxCellWidth = 60;

  explicit Table(std::vector<std::string> headers);

  // A row; missing cells are empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);

  size_t rows() const { return rows_.size(); }

  void Print(std::ostream& out) const;

 private:
  std::vector<size_t> ColumnWidths() const;

  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// `text` on one line (line breaks become spaces) and at most `width` characters, the last one
// "…" when it was cut. Characters are UTF-8 code points.
std::string FitCell(const std::string& text, size_t width);

// The number of UTF-8 code points in `text`.
size_t DisplayWidth(const std::string& text);

}  // namespace throughline::cli
