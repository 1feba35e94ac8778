// Bearer-token authentication against a fixed table of tokens.
#pragma once

#include <grpcpp/server_context.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/auth/principal.h"

namespace throughline::auth {

// Accepted only when a server runs with --dev_token in local mode.
inline constexpr std::string_view kDevelopmentToken = "dev-token";

// {"demo", "dev@localhost", Role::kAdmin}.
Principal DevelopmentPrincipal();

// The contents of the tokens file at `path`: NOT_FOUND when it cannot be opened, UNAVAILABLE
// when it cannot be read, with the path and the reason.
absl::StatusOr<std::string> ReadTokensFile(const std::string& path);

// Maps bearer tokens to principals. Only SHA-256 digests of the tokens are kept, so a memory or
// core dump does not reveal them. Set up with FromFile/Add; afterwards the whole table may be
// replaced while calls are authenticated (ReplaceTokens: the tokens file was read again), and
// every call authenticated after that sees the new table. A copy holds the tokens of the
// moment (the table itself is shared and never changed in place).
class TokenAuthenticator {
 public:
  TokenAuthenticator();
  TokenAuthenticator(const TokenAuthenticator& other);
  TokenAuthenticator& operator=(const TokenAuthenticator& other);

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

  // Replaces all tokens by `newer`'s at once. Thread-safe: a concurrent Authenticate sees
  // either the old table or the new one.
  void ReplaceTokens(const TokenAuthenticator& newer);

  // Counts the ReplaceTokens calls, so that a lasting call (a watch stream) knows when to
  // check its token again (server::CallerCheck).
  uint64_t generation() const;

  // Authenticates an "authorization" header value, "Bearer <token>" with the scheme in any case.
  // UNAUTHENTICATED when missing, malformed, or unknown.
  absl::StatusOr<Principal> Authenticate(std::string_view authorization_header_value) const;

  // Authenticates the "authorization" metadata of a call.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

  size_t size() const;

 private:
  // SHA-256 of the token -> principal.
  using Table = absl::flat_hash_map<std::string, Principal>;

  explicit TokenAuthenticator(std::shared_ptr<const Table> table);
  std::shared_ptr<const Table> table() const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const Table> table_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace throughline::auth
