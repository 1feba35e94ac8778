#include "tools/cli/session.h"

#include "absl/strings/str_cat.h"

namespace throughline::cli {

void Session::AddGlobalOptions(CLI::App& app) {
  app.add_option("--org", organization_,
                 "Organization that relative names belong to (an id or organizations/ID)")
      ->envname("THROUGHLINE_ORG")
      ->capture_default_str();
  app.add_flag("--json", json_,
               "Print protobuf JSON: one indented object per result, one object per line for "
               "lists and streams");
  AddConnectionOptions(app, connection_);
}

int Session::Run() {
  names_ = Names(organization_);
  output_.set_format(json_ ? Format::kJson : Format::kText);
  auto credentials = ChannelCredentials(connection_);
  if (!credentials.ok()) return UsageError(credentials.status());
  credentials_ = *std::move(credentials);
  return action_ ? action_() : kExitUsage;
}

std::shared_ptr<grpc::Channel> Session::Channel(const std::string& address) const {
  return grpc::CreateChannel(address, credentials_);
}

Session::SegmentStub& Session::segments() {
  if (!segments_) {
    segments_ = segment::v1::SegmentService::NewStub(Channel(connection_.segment_address));
  }
  return *segments_;
}

Session::OfferingStub& Session::offerings() {
  if (!offerings_) {
    offerings_ = offering::v1::OfferingService::NewStub(Channel(connection_.offering_address));
  }
  return *offerings_;
}

Session::AlignmentStub& Session::alignment() {
  if (!alignment_) {
    alignment_ = alignment::v1::AlignmentService::NewStub(Channel(connection_.alignment_address));
  }
  return *alignment_;
}

std::unique_ptr<grpc::ClientContext> Session::NewContext(bool stream) const {
  return cli::NewContext(connection_, stream);
}

int Session::Fail(const grpc::Status& status) {
  output_.Error(DescribeError(status));
  return ExitCodeFor(status.error_code());
}

int Session::UsageError(const absl::Status& status) {
  output_.Error(absl::StrCat("error: ", status.message(), "\n"));
  return kExitUsage;
}

void Session::PrintPages(const std::vector<std::unique_ptr<google::protobuf::Message>>& pages) {
  const auto* type = pages.front()->GetDescriptor();
  const google::protobuf::FieldDescriptor* resources = nullptr;
  for (int i = 0; i < type->field_count() && resources == nullptr; ++i) {
    if (type->field(i)->is_repeated() && type->field(i)->message_type() != nullptr) {
      resources = type->field(i);
    }
  }
  std::vector<const google::protobuf::Message*> items;
  for (const auto& page : pages) {
    const auto& reflection = *page->GetReflection();
    for (int i = 0; i < reflection.FieldSize(*page, resources); ++i) {
      items.push_back(&reflection.GetRepeatedMessage(*page, resources, i));
    }
  }
  output_.PrintList(*resources->message_type(), resources->name(), items);
}

}  // namespace throughline::cli
