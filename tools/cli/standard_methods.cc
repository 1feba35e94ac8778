#include "tools/cli/standard_methods.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/field_mask.pb.h"
#include "tools/cli/describe.h"

namespace throughline::cli {
namespace {

using google::protobuf::Message;

// Field numbers shared by every Create and Update request of the API.
constexpr int kCreateParent = 1;
constexpr int kCreateId = 2;
constexpr int kCreateResource = 3;
constexpr int kCreateRequestId = 4;
constexpr int kUpdateResource = 1;
constexpr int kUpdateMask = 2;

void SetString(Message& message, int number, const std::string& value) {
  message.GetReflection()->SetString(&message, message.GetDescriptor()->FindFieldByNumber(number),
                                     value);
}

Message& MutableMessage(Message& message, int number) {
  return *message.GetReflection()->MutableMessage(
      &message, message.GetDescriptor()->FindFieldByNumber(number));
}

}  // namespace

Column NameColumn(const Session& session, std::string header, std::string path) {
  return Column{std::move(header), [&session, path = std::move(path)](const Message& resource) {
                  return session.names().Relative(FieldText(resource, path));
                }};
}

void OnRun(CLI::App* command, Session& session, Session::Action action) {
  command->callback([&session, action = std::move(action)] { session.Select(action); });
}

std::shared_ptr<CreateArgs> AddCreateArgs(CLI::App* command,
                                          const google::protobuf::Descriptor& resource,
                                          const std::vector<FieldFlag>& flags) {
  auto args = std::make_shared<CreateArgs>();
  command->add_option("--id", args->id,
                      "Last part of the new name: 1-63 of [a-z0-9-], starting with a letter");
  AddRequestIdFlag(command, args->request_id);
  args->input = std::make_unique<ResourceInput>(*command, resource, flags);
  return args;
}

std::shared_ptr<UpdateArgs> AddUpdateArgs(CLI::App* command,
                                          const google::protobuf::Descriptor& resource,
                                          const std::vector<FieldFlag>& flags) {
  auto args = std::make_shared<UpdateArgs>();
  command->add_option("NAME", args->name, "The " + resource.name() + " to change")->required();
  command->add_option("--etag", args->etag,
                      "Change only if the resource still has this etag (else exit 4)");
  args->input = std::make_unique<ResourceInput>(*command, resource, flags);
  return args;
}

std::shared_ptr<NameArgs> AddNameArg(CLI::App* command, const std::string& help) {
  auto args = std::make_shared<NameArgs>();
  command->add_option("NAME", args->name, help)->required();
  return args;
}

void AddEtagFlag(CLI::App* command, NameArgs& args) {
  command->add_option("--etag", args.etag,
                      "Act only if the resource still has this etag (else exit 4)");
}

void AddRequestIdFlag(CLI::App* command, std::string& request_id) {
  command->add_option("--request-id", request_id,
                      "Idempotency key: repeating the command with it returns the first result");
}

std::shared_ptr<ListFlags> AddListFlags(CLI::App* command, bool filter) {
  auto flags = std::make_shared<ListFlags>();
  command->add_option("--page-size", flags->page_size,
                      "Fetch one page of at most this many (default: every page)");
  command->add_option("--page-token", flags->page_token, "Fetch the page after this token");
  if (filter) command->add_option("--filter", flags->filter, "An AIP-160 filter, see the API");
  return flags;
}

void AddFilterTerm(std::string& filter, const std::string& field, const std::string& value,
                   bool bare) {
  if (value.empty()) return;
  const std::string quoted =
      bare ? value
           : absl::StrCat("\"", absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
  absl::StrAppend(&filter, filter.empty() ? "" : " AND ", field, " = ", quoted);
}

absl::Status BuildCreateRequest(const Names& names, const std::string& parent, CreateArgs& args,
                                Message& request) {
  SetString(request, kCreateParent, parent);
  SetString(request, kCreateId, args.id);
  SetString(request, kCreateRequestId, args.request_id);
  return args.input->Build(names, MutableMessage(request, kCreateResource));
}

absl::Status BuildUpdateRequest(const Names& names, const NamePattern& pattern, UpdateArgs& args,
                                const std::vector<std::string>& updatable, Message& request) {
  Message& resource = MutableMessage(request, kUpdateResource);
  if (absl::Status built = args.input->Build(names, resource); !built.ok()) return built;
  const auto* type = resource.GetDescriptor();
  resource.GetReflection()->SetString(&resource, type->FindFieldByName("name"),
                                      names.Resolve(pattern, args.name));
  if (!args.etag.empty()) {
    resource.GetReflection()->SetString(&resource, type->FindFieldByName("etag"), args.etag);
  }
  auto& mask = static_cast<google::protobuf::FieldMask&>(MutableMessage(request, kUpdateMask));
  mask = args.input->UpdateMask(updatable);
  if (mask.paths().empty()) {
    return absl::InvalidArgumentError(
        "nothing to update: give the fields to change as flags or with --json");
  }
  return absl::OkStatus();
}

}  // namespace throughline::cli
