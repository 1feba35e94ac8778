// One run of the command-line client: the parsed global options, the connections to the
// three services, the output, and the command chosen on the command line. Commands build a
// request, call through the session and return the exit code it gives.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "throughline/alignment/v1/alignment_service.grpc.pb.h"
#include "throughline/offering/v1/offering_service.grpc.pb.h"
#include "throughline/segment/v1/segment_service.grpc.pb.h"
#include "tools/cli/connection.h"
#include "tools/cli/exit_codes.h"
#include "tools/cli/names.h"
#include "tools/cli/output.h"

namespace throughline::cli {

// A blocking unary method of a generated stub, e.g. &SegmentService::Stub::GetMarket.
template <typename Stub, typename Request, typename Response>
using UnaryMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

// --page-size, --page-token and --filter of a list command.
struct ListFlags {
  int page_size = 0;
  std::string page_token;
  std::string filter;
};

class Session {
 public:
  using SegmentStub = segment::v1::SegmentService::Stub;
  using OfferingStub = offering::v1::OfferingService::Stub;
  using AlignmentStub = alignment::v1::AlignmentService::Stub;
  using Action = std::function<int()>;

  Session(std::ostream& out, std::ostream& err) : output_(out, err) {}

  // Adds the global options (--org, --json, connection) to the top-level command.
  void AddGlobalOptions(CLI::App& app);

  // Remembers `action` as the command to run; called from the chosen command's callback.
  void Select(Action action) { action_ = std::move(action); }
  // Connects and runs the chosen command; returns the process exit code.
  int Run();

  const Names& names() const { return names_; }
  Output& output() { return output_; }
  const ConnectionOptions& connection() const { return connection_; }

  SegmentStub& segments();
  OfferingStub& offerings();
  AlignmentStub& alignment();

  // A call context with the token and the deadline (or none, for a stream without --timeout).
  std::unique_ptr<grpc::ClientContext> NewContext(bool stream = false) const;

  // Calls `method` with the token and deadline. UNAUTHENTICATED without a token.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Invoke(Stub& stub, UnaryMethod<Stub, Request, Response> method,
                      const Request& request, Response* response) const;

  // Calls `method` and prints its response; returns the exit code.
  template <typename Stub, typename Request, typename Response>
  int Call(Stub& stub, UnaryMethod<Stub, Request, Response> method, const Request& request);

  // Calls a List method and prints the resources: every page, or with --page-size or
  // --page-token one page and the token of the next on stderr.
  template <typename Stub, typename Request, typename Response>
  int List(Stub& stub, UnaryMethod<Stub, Request, Response> method, Request request,
           const ListFlags& flags);

  // Prints the error of a failed call; returns its exit code.
  int Fail(const grpc::Status& status);
  // Prints "error: <message>" for input found wrong before any call; returns kExitUsage.
  int UsageError(const absl::Status& status);

 private:
  std::shared_ptr<grpc::Channel> Channel(const std::string& address) const;
  // Prints the resources of list pages, the response's first repeated message field.
  void PrintPages(const std::vector<std::unique_ptr<google::protobuf::Message>>& pages);

  ConnectionOptions connection_;
  std::string organization_ = "demo";
  bool json_ = false;
  Names names_;
  Output output_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::unique_ptr<SegmentStub> segments_;
  std::unique_ptr<OfferingStub> offerings_;
  std::unique_ptr<AlignmentStub> alignment_;
  Action action_;
};

template <typename Stub, typename Request, typename Response>
grpc::Status Session::Invoke(Stub& stub, UnaryMethod<Stub, Request, Response> method,
                             const Request& request, Response* response) const {
  if (grpc::Status ready = RequireToken(connection_); !ready.ok()) return ready;
  return (stub.*method)(NewContext().get(), request, response);
}

template <typename Stub, typename Request, typename Response>
int Session::Call(Stub& stub, UnaryMethod<Stub, Request, Response> method, const Request& request) {
  Response response;
  const grpc::Status status = Invoke(stub, method, request, &response);
  if (!status.ok()) return Fail(status);
  output_.Print(response);
  return kExitOk;
}

template <typename Stub, typename Request, typename Response>
int Session::List(Stub& stub, UnaryMethod<Stub, Request, Response> method, Request request,
                  const ListFlags& flags) {
  const bool one_page = flags.page_size > 0 || !flags.page_token.empty();
  request.set_page_size(flags.page_size);
  request.set_page_token(flags.page_token);
  if constexpr (requires { request.set_filter(flags.filter); }) request.set_filter(flags.filter);
  std::vector<std::unique_ptr<google::protobuf::Message>> pages;
  do {
    auto page = std::make_unique<Response>();
    const grpc::Status status = Invoke(stub, method, request, page.get());
    if (!status.ok()) return Fail(status);
    request.set_page_token(page->next_page_token());
    pages.push_back(std::move(page));
  } while (!one_page && !request.page_token().empty());
  PrintPages(pages);
  if (one_page && !request.page_token().empty()) {
    output_.Note("next page: --page-token " + request.page_token());
  }
  return kExitOk;
}

}  // namespace throughline::cli
