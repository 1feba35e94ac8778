#include "libs/eventlog/notifier.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "libs/db/transaction.h"
#include "libs/log/log.h"
#include "pqxx/pqxx"

namespace throughline::eventlog {
namespace {

constexpr absl::Duration kReconnectDelay = absl::Milliseconds(250);

// Collects the organizations of the notifications of one wait, and tells the log each one's
// position as it arrives (in commit order), before anyone is woken.
class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& connection, const EventLog& log, std::set<std::string>* organizations)
      : pqxx::notification_receiver(connection, log.channel()),
        log_(log),
        organizations_(organizations) {}
  void operator()(const std::string& payload, int /*backend_pid*/) override {
    EventLog::Notification notification = EventLog::ParseNotification(payload);
    log_.Notified(notification.last_position);
    organizations_->insert(std::move(notification.organization));
  }

 private:
  const EventLog& log_;
  std::set<std::string>* organizations_;
};

// How long a read of the log's head may take; a database that does not answer has the read's
// connection cut soon after (db::PoolOptions::hung_grace), so the notifier's thread never waits
// on it for long: it must stay free to stop.
constexpr absl::Duration kHeadReadTimeout = absl::Seconds(5);

// Tells `log` the head it reads through `pool`. A failure is logged and answers false; the next
// poll reads again.
bool ReadHead(db::ConnectionPool& pool, const EventLog& log) {
  const absl::Status read =
      db::RunRead(pool, absl::Now() + kHeadReadTimeout, [&](pqxx::transaction_base& tx) {
        log.Notified(EventLog::LastPosition(tx));
        return absl::OkStatus();
      });
  if (!read.ok()) {
    log::Warning("event notifier could not read the log's head",
                 {{"channel", log.channel()}, {"error", read.message()}});
  }
  return read.ok();
}

}  // namespace

EventNotifier::EventNotifier(db::ConnectionPool& pool, EventLog& log, absl::Duration poll_interval)
    : pool_(pool), log_(log), poll_interval_(poll_interval) {
  log_.SetLocalWake([this](const std::string& organization) { Wake(organization); });
}

EventNotifier::~EventNotifier() {
  log_.SetLocalWake(nullptr);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void EventNotifier::Start() { thread_ = std::thread([this] { Run(); }); }

int64_t EventNotifier::Subscribe(std::string organization, Callback callback) {
  absl::MutexLock lock(&mu_);
  const int64_t id = next_id_++;
  subscribers_[id] = Subscriber{std::move(organization), std::move(callback)};
  return id;
}

void EventNotifier::Unsubscribe(int64_t id) {
  // Dispatch runs callbacks under mu_, so taking it waits out a running callback.
  absl::MutexLock lock(&mu_);
  subscribers_.erase(id);
}

void EventNotifier::AddObserver(ChangeObserver* observer) {
  absl::MutexLock lock(&mu_);
  observers_.push_back(observer);
  observer->Watching(watching_);
}

void EventNotifier::RemoveObserver(ChangeObserver* observer) {
  absl::MutexLock lock(&mu_);
  std::erase(observers_, observer);
}

bool EventNotifier::NotificationsPending() const {
  pollfd socket{.fd = listen_socket_.load(), .events = POLLIN, .revents = 0};
  if (socket.fd < 0) return true;
  // Readable, an error, a hang-up or a socket closed meanwhile (POLLNVAL), or poll failing:
  // pending.
  return poll(&socket, 1, 0) != 0;
}

void EventNotifier::SetWatching(bool watching) {
  absl::MutexLock lock(&mu_);
  if (watching == watching_) return;
  watching_ = watching;
  for (ChangeObserver* observer : observers_) observer->Watching(watching);
}

void EventNotifier::CloseAll() {
  closing_ = true;
  Dispatch({}, /*everyone=*/true);
}

bool EventNotifier::closing() const { return closing_; }

void EventNotifier::Wake(const std::string& organization) {
  Dispatch({organization}, /*everyone=*/false);
}

void EventNotifier::Dispatch(const std::set<std::string>& organizations, bool everyone) {
  absl::MutexLock lock(&mu_);
  for (ChangeObserver* observer : observers_) {
    for (const std::string& organization : organizations) observer->Changed(organization);
  }
  for (auto& [id, subscriber] : subscribers_) {
    const bool all_organizations = subscriber.organization.empty() && !organizations.empty();
    if (everyone || all_organizations ||
        organizations.contains(subscriber.organization)) {
      subscriber.callback();
    }
  }
}

void EventNotifier::Run() {
  std::unique_ptr<pqxx::connection> connection;
  std::unique_ptr<Receiver> receiver;
  std::set<std::string> organizations;
  // The receiver goes first: it unlistens through the connection.
  const auto disconnect = [&] {
    SetWatching(false);
    listen_socket_ = -1;
    receiver.reset();
    connection.reset();
  };
  absl::Time next_poll = absl::Now() + poll_interval_;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        // Closing the connection ends its LISTEN anyway: cut it first, so that the receiver's
        // UNLISTEN fails at once rather than wait on a database that does not answer.
        listen_socket_ = -1;
        if (connection != nullptr) shutdown(connection->sock(), SHUT_RDWR);
        break;
      }
    }
    // Never wait long, so that destruction is prompt.
    const absl::Duration wait = std::clamp(next_poll - absl::Now(), absl::ZeroDuration(),
                                           absl::Milliseconds(100));

    if (connection == nullptr) {
      auto opened = pool_.OpenDedicated();
      if (opened.ok()) {
        connection = std::move(*opened);
        receiver = std::make_unique<Receiver>(*connection, log_, &organizations);
        listen_socket_ = connection->sock();
        // Notifications may have been missed while disconnected: the head read after
        // listening covers them (or, when it fails, the next poll's).
        SetWatching(ReadHead(pool_, log_));
        Dispatch({}, /*everyone=*/true);
      } else {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), kReconnectDelay);
      }
    } else {
      try {
        const int64_t micros = absl::ToInt64Microseconds(wait);
        connection->await_notification(micros / 1'000'000, micros % 1'000'000);
      } catch (const std::exception& e) {
        log::Warning("event notifier lost its database connection",
                     {{"channel", log_.channel()}, {"error", e.what()}});
        disconnect();
      }
    }

    const bool poll_due = absl::Now() >= next_poll;
    if (poll_due) {
      next_poll = absl::Now() + poll_interval_;
      // Reads from memory stop at the known head: a poll, which stands in for lost
      // notifications, must move it to what is committed. Through the pool, not the LISTEN
      // connection: a pooled connection is cut when the database hangs, and the LISTEN
      // connection only ever waits with a timeout.
      if (connection != nullptr) SetWatching(ReadHead(pool_, log_));
    }
    if (poll_due || !organizations.empty()) {
      Dispatch(organizations, poll_due);
      organizations.clear();
    }
  }
  SetWatching(false);
}

}  // namespace throughline::eventlog
