#include "libs/api/etag.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/api/sha256.h"
#include "libs/errors/errors.h"

namespace throughline::api {

std::string MakeEtag(std::string_view uid, int64_t version) {
  // The length prefix keeps distinct (uid, version) pairs from hashing the same text.
  const std::string digest =
      Sha256(absl::StrCat("throughline.etag.v1:", uid.size(), ":",
                          absl::string_view(uid.data(), uid.size()), ":", version));
  return absl::StrCat("\"", HexEncode(std::string_view(digest).substr(0, 8)), "\"");
}

absl::Status CheckEtag(std::string_view provided, std::string_view current, std::string_view name) {
  if (provided.empty() || provided == current) return absl::OkStatus();
  return errors::EtagMismatch(name);
}

}  // namespace throughline::api
