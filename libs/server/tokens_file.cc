#include "libs/server/tokens_file.h"

#include <utility>

#include "libs/api/sha256.h"
#include "libs/log/log.h"

namespace throughline::server {

TokensFileWatcher::TokensFileWatcher(const ServiceFlags& flags,
                                     auth::TokenAuthenticator& authenticator)
    : flags_(flags), authenticator_(authenticator) {
  if (flags.tokens_file.empty()) return;
  Read(/*log=*/false);
  reloads_ = std::make_unique<Periodic>(absl::Seconds(flags.tokens_reload_seconds),
                                        [this] { Read(/*log=*/true); });
}

absl::StatusOr<std::optional<auth::TokenAuthenticator>> TokensFileWatcher::ReadChanged() {
  absl::StatusOr<std::string> contents = auth::ReadTokensFile(flags_.tokens_file);
  if (!contents.ok()) return contents.status();
  // Only the digest is kept, like the tokens' own (TokenAuthenticator).
  std::string digest = api::Sha256(*contents);
  if (digest == last_digest_) return std::nullopt;
  last_digest_ = std::move(digest);
  absl::StatusOr<auth::TokenAuthenticator> tokens = AuthenticatorOf(flags_, *contents);
  if (!tokens.ok()) return tokens.status();
  return std::optional<auth::TokenAuthenticator>(*std::move(tokens));
}

void TokensFileWatcher::Read(bool log) {
  absl::StatusOr<std::optional<auth::TokenAuthenticator>> tokens = ReadChanged();
  if (!tokens.ok()) {
    const std::string problem(tokens.status().message());
    if (log && problem != last_problem_) {
      log::Warning("tokens file not reloaded; the tokens in use stay",
                   {{"file", flags_.tokens_file}, {"error", problem}});
    }
    last_problem_ = problem;
    return;
  }
  last_problem_.clear();
  if (!tokens->has_value()) return;  // unchanged
  authenticator_.ReplaceTokens(**tokens);
  if (log) {
    log::Info("tokens file reloaded",
              {{"file", flags_.tokens_file}, {"tokens", (*tokens)->size()}});
  }
}

}  // namespace throughline::server
