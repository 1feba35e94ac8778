// The standard methods every resource has (AIP-131..135), shared by the resource commands:
// their flags, and how their requests are built and sent. Requests are filled through
// reflection because they share a layout: Create(parent 1, id 2, resource 3, request_id 4),
// Get(name 1), Update(resource 1, update_mask 2), Delete(name 1, etag 2, force 3).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/message.h"
#include "tools/cli/field_flags.h"
#include "tools/cli/names.h"
#include "tools/cli/resource_input.h"
#include "tools/cli/session.h"

namespace throughline::cli {

struct CreateArgs {
  std::string parent;  // the PARENT positional, for resources under another resource
  std::string id;
  std::string request_id;
  std::unique_ptr<ResourceInput> input;
};

struct UpdateArgs {
  std::string name;
  std::string etag;
  std::unique_ptr<ResourceInput> input;
};

struct NameArgs {
  std::string name;
  std::string etag;
  std::string request_id;
  bool force = false;
};

// A table column showing the resource name at `path` relative to the organization.
Column NameColumn(const Session& session, std::string header = "NAME", std::string path = "name");

// Makes `command` run `action` when it is the command chosen on the command line.
void OnRun(CLI::App* command, Session& session, Session::Action action);

// --id, --request-id, --json and the field flags of a create command.
std::shared_ptr<CreateArgs> AddCreateArgs(CLI::App* command,
                                          const google::protobuf::Descriptor& resource,
                                          const std::vector<FieldFlag>& flags);
// NAME, --etag, --json and the field flags of an update command.
std::shared_ptr<UpdateArgs> AddUpdateArgs(CLI::App* command,
                                          const google::protobuf::Descriptor& resource,
                                          const std::vector<FieldFlag>& flags);
// The NAME positional (required).
std::shared_ptr<NameArgs> AddNameArg(CLI::App* command, const std::string& help);
// --etag, for deletes and custom methods that change a resource.
void AddEtagFlag(CLI::App* command, NameArgs& args);
// --request-id, for custom methods.
void AddRequestIdFlag(CLI::App* command, std::string& request_id);
// --page-size, --page-token and (when `filter`) --filter.
std::shared_ptr<ListFlags> AddListFlags(CLI::App* command, bool filter = true);

// Appends `field = value` to an AIP-160 filter, quoting the value unless `bare` (enums).
void AddFilterTerm(std::string& filter, const std::string& field, const std::string& value,
                   bool bare = false);

// Fills a Create request from the arguments; `parent` is a full name.
absl::Status BuildCreateRequest(const Names& names, const std::string& parent, CreateArgs& args,
                                google::protobuf::Message& request);
// Fills an Update request: the resource named `name` of `pattern` with the fields given, the
// update_mask of those among `updatable`. INVALID_ARGUMENT when no field is given.
absl::Status BuildUpdateRequest(const Names& names, const NamePattern& pattern, UpdateArgs& args,
                                const std::vector<std::string>& updatable,
                                google::protobuf::Message& request);

template <typename Stub, typename Request, typename Response>
int RunCreate(Session& session, CreateArgs& args, const std::string& parent, Stub& stub,
              UnaryMethod<Stub, Request, Response> method) {
  Request request;
  if (auto built = BuildCreateRequest(session.names(), parent, args, request); !built.ok()) {
    return session.UsageError(built);
  }
  return session.Call(stub, method, request);
}

template <typename Stub, typename Request, typename Response>
int RunGet(Session& session, const NamePattern& pattern, const NameArgs& args, Stub& stub,
           UnaryMethod<Stub, Request, Response> method) {
  Request request;
  request.set_name(session.names().Resolve(pattern, args.name));
  return session.Call(stub, method, request);
}

template <typename Stub, typename Request, typename Response>
int RunUpdate(Session& session, const NamePattern& pattern, UpdateArgs& args,
              const std::vector<std::string>& updatable, Stub& stub,
              UnaryMethod<Stub, Request, Response> method) {
  Request request;
  if (auto built = BuildUpdateRequest(session.names(), pattern, args, updatable, request);
      !built.ok()) {
    return session.UsageError(built);
  }
  return session.Call(stub, method, request);
}

template <typename Stub, typename Request>
int RunDelete(Session& session, const NamePattern& pattern, const NameArgs& args, Stub& stub,
              UnaryMethod<Stub, Request, google::protobuf::Empty> method) {
  Request request;
  request.set_name(session.names().Resolve(pattern, args.name));
  request.set_etag(args.etag);
  if constexpr (requires { request.set_force(true); }) request.set_force(args.force);
  google::protobuf::Empty empty;
  const grpc::Status status = session.Invoke(stub, method, request, &empty);
  if (!status.ok()) return session.Fail(status);
  session.output().PrintDeleted(request.name());
  return kExitOk;
}

}  // namespace throughline::cli
