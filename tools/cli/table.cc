#include "tools/cli/table.h"

#include <algorithm>

namespace throughline::cli {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The byte length of the first `count` code points of `text`.
size_t PrefixBytes(const std::string& text, size_t count) {
  size_t bytes = 0;
  for (size_t seen = 0; bytes < text.size(); ++bytes) {
    if (!IsContinuationByte(text[bytes]) && seen++ == count) break;
  }
  return bytes;
}

void PrintRow(std::ostream& out, const std::vector<std::string>& cells,
              const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line += std::string(widths[i] - DisplayWidth(cells[i]) + 2, ' ');
  }
  out << line << "\n";
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (std::string& cell : cells) cell = FitCell(cell, kMaxCellWidth);
  rows_.push_back(std::move(cells));
}

std::vector<size_t> Table::ColumnWidths() const {
  std::vector<size_t> widths;
  for (const std::string& header : headers_) widths.push_back(DisplayWidth(header));
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  return widths;
}

void Table::Print(std::ostream& out) const {
  const std::vector<size_t> widths = ColumnWidths();
  PrintRow(out, headers_, widths);
  for (const auto& row : rows_) PrintRow(out, row, widths);
}

std::string FitCell(const std::string& text, size_t width) {
  std::string line = text;
  std::replace(line.begin(), line.end(), '\n', ' ');
  if (DisplayWidth(line) <= width) return line;
  return line.substr(0, PrefixBytes(line, width - 1)) + "…";
}

size_t DisplayWidth(const std::string& text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); });
}

}  // namespace throughline::cli
