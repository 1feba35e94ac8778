// Bearer-token authentication against a fixed table of tokens.
#pragma once

#include <grpcpp/server_context.h>

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "libs/auth/principal.h"

namespace throughline::auth {

// Accepted only when a server runs with --dev_token in local mode.
inline constexpr std::string_view kDevelopmentToken = "dev-token";

// {"demo", "dev@localhost", Role::kAdmin}.
Principal DevelopmentPrincipal();

// Maps bearer tokens to principals. Only SHA-256 digests of the tokens are kept, so a memory or
// core dump does not reveal them. Set up with FromFile/Add, then immutable: concurrent
// Authenticate calls need no locking, and copies are cheap to share across servers.
class TokenAuthenticator {
 public:
  TokenAuthenticator() = default;

  // Reads a tokens file: one token per line, `<token> <organization> <principal> <role>`,
  // whitespace separated. A field starting with '#' begins a comment that runs to the end of the
  // line; blank lines are skipped. Every error names the file and line; all bad lines are
  // reported at once. Tokens are never echoed in errors.
  static absl::StatusOr<TokenAuthenticator> FromFile(const std::string& path);

  // Parses the contents of a tokens file; `source` names it in errors.
  static absl::StatusOr<TokenAuthenticator> FromString(std::string_view contents,
                                                       std::string_view source);

  // Adds or replaces `token`. Call before sharing the authenticator between threads.
  void Add(std::string_view token, Principal principal);

  // Authenticates an "authorization" header value, "Bearer <token>" with the scheme in any case.
  // UNAUTHENTICATED when missing, malformed, or unknown.
  absl::StatusOr<Principal> Authenticate(std::string_view authorization_header_value) const;

  // Authenticates the "authorization" metadata of a call.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

  size_t size() const { return principals_by_digest_.size(); }

 private:
  // SHA-256 of the token -> principal.
  absl::flat_hash_map<std::string, Principal> principals_by_digest_;
};

}  // namespace throughline::auth
