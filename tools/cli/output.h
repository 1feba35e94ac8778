// Where results go: human-readable text by default (tables for lists, key/value blocks or a
// view for single results), or protobuf JSON with --json. Results go to stdout; notes and
// errors to stderr, so stdout stays parseable.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace throughline::cli {

// A column of a list table: its header and what a resource shows in it.
struct Column {
  std::string header;
  std::function<std::string(const google::protobuf::Message&)> text;
};

// A column showing the field `path` of each resource (describe.h FieldText).
Column FieldColumn(std::string header, std::string path);

// How a message of one type is shown as text, when a key/value block is not the best way.
using View = std::function<void(const google::protobuf::Message&, std::ostream&)>;

enum class Format { kText, kJson };

class Output {
 public:
  Output(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}

  void set_format(Format format) { format_ = format; }
  bool json() const { return format_ == Format::kJson; }

  // The columns of list tables of `type`.
  void SetColumns(const google::protobuf::Descriptor& type, std::vector<Column> columns);
  // The text view of messages of `type`.
  void SetView(const google::protobuf::Descriptor& type, View view);

  // One result: indented JSON, or its view, or its key/value block.
  void Print(const google::protobuf::Message& message);
  // The resources of a list: one JSON object per line, or a table ("no <plural>" on stderr
  // when empty).
  void PrintList(const google::protobuf::Descriptor& type, absl::string_view plural,
                 const std::vector<const google::protobuf::Message*>& items);
  // One message of a stream, flushed at once: a JSON object on one line, or its view.
  void PrintStreamItem(const google::protobuf::Message& message);
  // What a delete prints: "{}" (the JSON of Empty), or "deleted <name>".
  void PrintDeleted(absl::string_view name);

  // A line for the person at the terminal, on stderr in both formats.
  void Note(absl::string_view text);
  // Error text, on stderr.
  void Error(absl::string_view text);

 private:
  std::string Json(const google::protobuf::Message& message, bool indented) const;
  void PrintText(const google::protobuf::Message& message);

  std::ostream& out_;
  std::ostream& err_;
  Format format_ = Format::kText;
  std::map<const google::protobuf::Descriptor*, std::vector<Column>> columns_;
  std::map<const google::protobuf::Descriptor*, View> views_;
};

}  // namespace throughline::cli
