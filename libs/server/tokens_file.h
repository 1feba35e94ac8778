#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/auth.h"
#include "libs/server/periodic.h"
#include "libs/server/service_flags.h"

namespace throughline::server {

// Reads --tokens_file again every --tokens_reload_seconds and, when its contents changed,
// replaces the tokens `authenticator` accepts (with the development token too under
// --dev_token): a token added to the file is accepted and a removed one refused from the next
// call on, without a restart, and a watch stream opened with a removed token ends (CallerCheck).
// A file that cannot be read, holds a bad line or no token is logged once (its problems, never
// a token) and the tokens in use stay. Without --tokens_file nothing is read.
//
// Keep the object no longer than `authenticator`: it stops its thread when destroyed.
class TokensFileWatcher {
 public:
  TokensFileWatcher(const ServiceFlags& flags, auth::TokenAuthenticator& authenticator);

 private:
  // Reads the file; applies it when it changed. `log` says whether to log the outcome (not
  // on the first reading, which only catches a change made while the service was starting).
  // A problem is logged once, not at every reading while it lasts.
  void Read(bool log);
  // The file's tokens when its contents changed since the last reading, std::nullopt when
  // they did not; the error when it cannot be read or is not a valid tokens file.
  absl::StatusOr<std::optional<auth::TokenAuthenticator>> ReadChanged();

  const ServiceFlags flags_;
  // Periodic's thread only (the constructor's reading comes before it starts):
  std::string last_digest_;   // SHA-256 of the contents last read
  std::string last_problem_;  // why the last reading was not used; empty if it was
  auth::TokenAuthenticator& authenticator_;
  std::unique_ptr<Periodic> reloads_;
};

}  // namespace throughline::server
