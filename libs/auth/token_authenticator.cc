#include "libs/auth/token_authenticator.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/api/resource_name.h"
#include "libs/api/sha256.h"
#include "libs/errors/errors.h"

namespace throughline::auth {
namespace {

absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string TokenDigest(std::string_view token) { return api::Sha256(token); }

absl::Status Malformed() {
  return errors::Unauthenticated("malformed authorization header: expected \"Bearer <token>\"");
}

// Why one line of a tokens file is wrong, or nullopt when it holds a valid entry; `fields` are
// the line's fields before any comment.
std::optional<std::string> CheckLine(const std::vector<absl::string_view>& fields,
                                     Principal* principal) {
  if (fields.size() != 4) {
    return absl::StrCat("expected \"<token> <organization> <principal> <role>\", found ",
                        fields.size(), fields.size() == 1 ? " field" : " fields");
  }
  absl::StatusOr<Role> role = ParseRole(std::string_view(fields[3].data(), fields[3].size()));
  if (!role.ok()) return std::string(role.status().message());
  const std::string_view organization(fields[1].data(), fields[1].size());
  if (organization == kAnyOrganization) {
    if (*role != Role::kService) {
      return absl::StrCat("organization \"*\" is only allowed with role service, not ",
                          ToAbsl(RoleName(*role)));
    }
  } else if (std::optional<std::string> problem = api::DescribeInvalidResourceId(organization)) {
    return absl::StrCat("organization ", errors::Quote(organization), " is not valid: it ",
                        *problem);
  }
  principal->organization = std::string(organization);
  principal->id = std::string(fields[2]);
  principal->role = *role;
  return std::nullopt;
}

}  // namespace

Principal DevelopmentPrincipal() { return Principal{"demo", "dev@localhost", Role::kAdmin}; }

TokenAuthenticator::TokenAuthenticator() : TokenAuthenticator(std::make_shared<const Table>()) {}

TokenAuthenticator::TokenAuthenticator(std::shared_ptr<const Table> table)
    : table_(std::move(table)) {}

TokenAuthenticator::TokenAuthenticator(const TokenAuthenticator& other) : table_(other.table()) {}

TokenAuthenticator& TokenAuthenticator::operator=(const TokenAuthenticator& other) {
  if (this != &other) {
    std::shared_ptr<const Table> tokens = other.table();
    absl::MutexLock lock(&mu_);
    table_ = std::move(tokens);
  }
  return *this;
}

std::shared_ptr<const TokenAuthenticator::Table> TokenAuthenticator::table() const {
  absl::ReaderMutexLock lock(&mu_);
  return table_;
}

size_t TokenAuthenticator::size() const { return table()->size(); }

void TokenAuthenticator::ReplaceTokens(const TokenAuthenticator& newer) {
  std::shared_ptr<const Table> tokens = newer.table();
  absl::MutexLock lock(&mu_);
  table_ = std::move(tokens);
  ++generation_;
}

uint64_t TokenAuthenticator::generation() const {
  absl::ReaderMutexLock lock(&mu_);
  return generation_;
}

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::FromFile(const std::string& path) {
  auto contents = ReadTokensFile(path);
  if (!contents.ok()) return contents.status();
  return FromString(*contents, path);
}

absl::StatusOr<std::string> ReadTokensFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::NotFoundError(
        absl::StrCat("cannot open tokens file ", errors::Quote(path), ": ", std::strerror(errno)));
  }
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return absl::UnavailableError(absl::StrCat("cannot read tokens file ", errors::Quote(path)));
  }
  return contents;
}

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::FromString(std::string_view contents,
                                                                  std::string_view source) {
  Table principals_by_digest;
  absl::flat_hash_map<std::string, int> line_by_digest;
  std::vector<std::string> problems;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(ToAbsl(contents), '\n')) {
    ++line_number;
    std::vector<absl::string_view> fields;
    for (absl::string_view field :
         absl::StrSplit(line, absl::ByAnyChar(" \t\r\f\v"), absl::SkipEmpty())) {
      if (absl::StartsWith(field, "#")) break;
      fields.push_back(field);
    }
    if (fields.empty()) continue;

    Principal principal;
    std::optional<std::string> problem = CheckLine(fields, &principal);
    if (problem.has_value()) {
      problems.push_back(absl::StrCat("line ", line_number, ": ", *problem));
      continue;
    }
    std::string digest = TokenDigest(std::string_view(fields[0].data(), fields[0].size()));
    auto [it, inserted] = line_by_digest.emplace(digest, line_number);
    if (!inserted) {
      problems.push_back(absl::StrCat("line ", line_number,
                                      ": duplicate token, already defined on line ", it->second));
      continue;
    }
    principals_by_digest.emplace(std::move(digest), std::move(principal));
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tokens file ", errors::Quote(source), ": ", absl::StrJoin(problems, "; ")));
  }
  return TokenAuthenticator(std::make_shared<const Table>(std::move(principals_by_digest)));
}

void TokenAuthenticator::Add(std::string_view token, Principal principal) {
  // A new table: copies made before keep theirs.
  auto tokens = std::make_shared<Table>(*table());
  tokens->insert_or_assign(TokenDigest(token), std::move(principal));
  absl::MutexLock lock(&mu_);
  table_ = std::move(tokens);
}

absl::StatusOr<Principal> TokenAuthenticator::Authenticate(
    std::string_view authorization_header_value) const {
  const absl::string_view value = absl::StripAsciiWhitespace(ToAbsl(authorization_header_value));
  if (value.empty()) {
    return errors::Unauthenticated(
        "missing bearer token: send metadata \"authorization: Bearer <token>\"");
  }
  const size_t space = value.find_first_of(" \t");
  if (space == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(value.substr(0, space), "bearer")) {
    return Malformed();
  }
  const absl::string_view token = absl::StripLeadingAsciiWhitespace(value.substr(space));
  if (token.empty() || token.find_first_of(" \t\r\n") != absl::string_view::npos) {
    return Malformed();
  }
  // The lookup compares digests, not tokens, so its timing reveals nothing usable about a token.
  const std::string digest = TokenDigest(std::string_view(token.data(), token.size()));
  absl::ReaderMutexLock lock(&mu_);
  auto it = table_->find(digest);
  if (it == table_->end()) return errors::Unauthenticated("unknown or revoked token");
  return it->second;
}

absl::StatusOr<Principal> TokenAuthenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto [begin, end] = metadata.equal_range("authorization");
  if (begin == end) return Authenticate(std::string_view());
  if (std::next(begin) != end) {
    return errors::Unauthenticated(
        "malformed authorization metadata: send exactly one \"authorization: Bearer <token>\"");
  }
  return Authenticate(std::string_view(begin->second.data(), begin->second.size()));
}

}  // namespace throughline::auth
