#include "tools/cli/output.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tools/cli/describe.h"
#include "tools/cli/table.h"

namespace throughline::cli {

Column FieldColumn(std::string header, std::string path) {
  return Column{std::move(header), [path = std::move(path)](const google::protobuf::Message& m) {
                  return FieldText(m, path);
                }};
}

void Output::SetColumns(const google::protobuf::Descriptor& type, std::vector<Column> columns) {
  columns_[&type] = std::move(columns);
}

void Output::SetView(const google::protobuf::Descriptor& type, View view) {
  views_[&type] = std::move(view);
}

void Output::Print(const google::protobuf::Message& message) {
  if (json()) {
    out_ << Json(message, /*indented=*/true) << "\n";
  } else {
    PrintText(message);
  }
  out_.flush();
}

void Output::PrintList(const google::protobuf::Descriptor& type, absl::string_view plural,
                       const std::vector<const google::protobuf::Message*>& items) {
  if (json()) {
    for (const auto* item : items) out_ << Json(*item, /*indented=*/false) << "\n";
    return;
  }
  if (items.empty()) return Note(absl::StrCat("no ", plural));
  std::vector<std::string> headers;
  for (const Column& column : columns_[&type]) headers.push_back(column.header);
  Table table(headers);
  for (const auto* item : items) {
    std::vector<std::string> cells;
    for (const Column& column : columns_[&type]) cells.push_back(column.text(*item));
    table.AddRow(std::move(cells));
  }
  table.Print(out_);
}

void Output::PrintStreamItem(const google::protobuf::Message& message) {
  if (json()) {
    out_ << Json(message, /*indented=*/false) << "\n";
  } else {
    PrintText(message);
  }
  out_.flush();
}

void Output::PrintDeleted(absl::string_view name) {
  out_ << (json() ? std::string("{}") : absl::StrCat("deleted ", name)) << "\n";
}

void Output::Note(absl::string_view text) { err_ << text << "\n"; }

void Output::Error(absl::string_view text) { err_ << text; }

std::string Output::Json(const google::protobuf::Message& message, bool indented) const {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = indented;
  std::string json;
  if (auto printed = google::protobuf::util::MessageToJsonString(message, &json, options);
      !printed.ok()) {
    err_ << "cannot print a " << message.GetDescriptor()->full_name()
         << " as JSON: " << printed.message().as_string() << "\n";
    return "{}";
  }
  if (!json.empty() && json.back() == '\n') json.pop_back();  // indented JSON ends with one
  return json;
}

void Output::PrintText(const google::protobuf::Message& message) {
  auto view = views_.find(message.GetDescriptor());
  if (view != views_.end()) {
    view->second(message, out_);
  } else {
    out_ << Describe(message);
  }
}

}  // namespace throughline::cli
