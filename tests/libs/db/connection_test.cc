// db::Connect's TCP keepalives, on both ends: a peer that vanishes without closing the connection
// must be given up within about half a minute, not the operating system's two hours (a vanished
// subscription holder would keep its advisory lock that long). The client's side is read from
// libpq's socket (connected over TCP through a relay to the test cluster's Unix-domain socket);
// PostgreSQL reports its side as zero on a Unix-domain socket, so that side is checked by where
// each setting came from. And the pool's cut of a connection that waits past its lease's
// deadline.
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/db/connection_pool.h"
#include "tests/support/relay.h"
#include "tests/support/test_database.h"

namespace throughline::db {
namespace {

class ConnectionTest : public ::testing::Test {
 protected:
  // The value of `keyword` in the test database's connection string.
  std::string UrlValue(const std::string& keyword) const {
    std::string value;
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(database_->url().c_str(), &error);
    if (error != nullptr) PQfreemem(error);
    for (const PQconninfoOption* option = options; option != nullptr && option->keyword != nullptr;
         ++option) {
      if (option->val != nullptr && keyword == option->keyword) value = option->val;
    }
    PQconninfoFree(options);
    return value;
  }

  // A connection string for the test database through `relay`, over TCP.
  std::string UrlThrough(const testing::FreezableRelay& relay) const {
    return absl::StrCat("host=127.0.0.1 port=", relay.port(), " user=", UrlValue("user"),
                        " dbname=", database_->name());
  }

  // A relay to the test cluster's Unix-domain socket.
  testing::FreezableRelay RelayToCluster() const {
    return testing::FreezableRelay::ToUnixSocket(
        absl::StrCat(UrlValue("host"), "/.s.PGSQL.", UrlValue("port")));
  }

  static int SocketOption(const pqxx::connection& connection, int level, int name) {
    int value = -1;
    socklen_t length = sizeof value;
    EXPECT_EQ(getsockopt(connection.sock(), level, name, &value, &length), 0) << errno;
    return value;
  }

  // Where each of PostgreSQL's keepalive settings of the session came from (pg_settings.source).
  static std::map<std::string, std::string> ServerKeepaliveSources(pqxx::connection& connection) {
    std::map<std::string, std::string> sources;
    pqxx::nontransaction tx(connection);
    for (const auto& row : tx.exec("SELECT name, source FROM pg_settings WHERE name IN "
                                   "('tcp_keepalives_idle', 'tcp_keepalives_interval', "
                                   "'tcp_keepalives_count', 'tcp_user_timeout')")) {
      sources[row[0].as<std::string>()] = row[1].as<std::string>();
    }
    return sources;
  }

  std::unique_ptr<throughline::testing::TestDatabase> database_ =
      throughline::testing::TestDatabase::Create();
};

TEST_F(ConnectionTest, TcpConnectionsProbeAnIdlePeerAndGiveUpOnUnacknowledgedData) {
  auto relay = RelayToCluster();
  auto connection = Connect(UrlThrough(relay), "", absl::Seconds(10));
  ASSERT_TRUE(connection.ok()) << connection.status();
  pqxx::nontransaction(**connection).exec1("SELECT 1");  // the relay relays
  EXPECT_EQ(SocketOption(**connection, SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(SocketOption(**connection, IPPROTO_TCP, TCP_KEEPIDLE), 10);
  EXPECT_EQ(SocketOption(**connection, IPPROTO_TCP, TCP_KEEPINTVL), 5);
  EXPECT_EQ(SocketOption(**connection, IPPROTO_TCP, TCP_KEEPCNT), 3);
  EXPECT_EQ(SocketOption(**connection, IPPROTO_TCP, TCP_USER_TIMEOUT), 30000);
}

TEST_F(ConnectionTest, UriUrlsGetTheKeepalivesToo) {
  auto relay = RelayToCluster();
  auto connection =
      Connect(absl::StrCat("postgresql://", UrlValue("user"), "@127.0.0.1:", relay.port(), "/",
                           database_->name(), "?keepalives_count=4"),
              "", absl::Seconds(10));
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(SocketOption(**connection, IPPROTO_TCP, TCP_KEEPIDLE), 10);
  EXPECT_EQ(SocketOption(**connection, IPPROTO_TCP, TCP_KEEPCNT), 4);
}

TEST_F(ConnectionTest, KeepaliveSettingsOfTheUrlAreKept) {
  auto relay = RelayToCluster();
  auto connection = Connect(UrlThrough(relay) + " keepalives_idle=42", "", absl::Seconds(10));
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(SocketOption(**connection, IPPROTO_TCP, TCP_KEEPIDLE), 42);
  EXPECT_EQ(SocketOption(**connection, IPPROTO_TCP, TCP_KEEPCNT), 3);
}

TEST_F(ConnectionTest, PostgreSQLProbesTheServiceWhereNobodyConfiguredItOtherwise) {
  auto connection = Connect(database_->url(), "", absl::Seconds(10));
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(ServerKeepaliveSources(**connection),
            (std::map<std::string, std::string>{{"tcp_keepalives_count", "session"},
                                                {"tcp_keepalives_idle", "session"},
                                                {"tcp_keepalives_interval", "session"},
                                                {"tcp_user_timeout", "session"}}));

  // A setting the URL passes to PostgreSQL is PostgreSQL's to keep.
  auto configured =
      Connect(database_->url() + " options='-c tcp_keepalives_idle=42'", "", absl::Seconds(10));
  ASSERT_TRUE(configured.ok()) << configured.status();
  EXPECT_EQ(ServerKeepaliveSources(**configured)["tcp_keepalives_idle"], "client");
  EXPECT_EQ(ServerKeepaliveSources(**configured)["tcp_keepalives_count"], "session");
}

// A lent connection still waiting for the database PoolOptions::hung_grace after its lease's
// deadline is cut: the wait ends with a broken connection (here a statement that sleeps
// without a statement_timeout stands for a database that does not answer), and the pool opens
// a fresh connection for the next lease instead of reusing it.
TEST_F(ConnectionTest, APoolCutsAConnectionStillWaitingPastItsLeasesDeadline) {
  ConnectionPool pool(PoolOptions{.url = database_->url(),
                                  .schema = "",
                                  .size = 1,
                                  .connect_timeout = absl::Seconds(10),
                                  .hung_grace = absl::Milliseconds(200)});
  int first_backend = 0;
  {
    auto lease = pool.Acquire(absl::Now() + absl::Milliseconds(300));
    ASSERT_TRUE(lease.ok()) << lease.status();
    pqxx::nontransaction tx(lease->connection());
    first_backend = tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
    const absl::Time start = absl::Now();
    EXPECT_THROW(tx.exec("SELECT pg_sleep(30)"), pqxx::broken_connection);
    EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << "the wait was not cut";
  }
  auto next = pool.Acquire(absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(next.ok()) << next.status();
  pqxx::nontransaction tx(next->connection());
  EXPECT_NE(tx.exec1("SELECT pg_backend_pid()")[0].as<int>(), first_backend);
}

}  // namespace
}  // namespace throughline::db
