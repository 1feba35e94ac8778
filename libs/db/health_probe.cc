#include "libs/db/health_probe.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/db/transaction.h"
#include "libs/errors/errors.h"

namespace throughline::db {

DatabaseProbe::DatabaseProbe(std::string url, std::string schema, absl::Duration timeout)
    : timeout_(timeout),
      pool_(PoolOptions{.url = std::move(url),
                        .schema = std::move(schema),
                        .size = 1,
                        .connect_timeout = timeout,
                        .hung_grace = absl::Milliseconds(500)}) {}

absl::Status DatabaseProbe::Check() {
  const absl::Status answered =
      RunRead(pool_, absl::Now() + timeout_, [](pqxx::transaction_base& tx) {
        tx.exec1("SELECT 1");
        return absl::OkStatus();
      });
  if (answered.ok() || absl::IsUnavailable(answered)) return answered;
  return errors::Unavailable(absl::StrCat("database unavailable: ", answered.message()));
}

}  // namespace throughline::db
