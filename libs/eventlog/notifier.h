#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/db/connection_pool.h"
#include "libs/eventlog/event_log.h"

namespace throughline::eventlog {

// Wakes in-process readers of an event log when events may be available. One thread holds a
// LISTEN connection on the log's channel; NOTIFY is only a wake-up, so every subscriber is also
// woken every `poll_interval` (the fallback when notifications are lost, e.g. while the
// connection is being re-established). Before it wakes anyone it tells the log the head it
// learned (EventLog::Notified): the last position a notification carries, or on a poll the
// head it reads.
class EventNotifier {
 public:
  using Callback = std::function<void()>;

  // What a cache of the log's resources must hear to stay true (segment::SegmentCache). Called
  // on the notifier's thread, or on a writer's thread for this process's commits; must not
  // block or call the notifier.
  class ChangeObserver {
   public:
    // Events of `organization` committed: notified, or committed by this process (told before
    // its writer returns). Empty: any organization's may have.
    virtual void Changed(const std::string& organization) = 0;
    // Whether every commit is being told: true once the LISTEN connection is up and a read of
    // the log's head through the pool succeeded; false when the connection is lost or a poll
    // cannot read the head (a database that hangs or cannot be reached, whose notifications
    // may be lost). Told at once when the observer is added.
    virtual void Watching(bool watching) = 0;

   protected:
    ~ChangeObserver() = default;
  };

  // Also has `log` wake this notifier's subscribers when this process commits events
  // (EventLog::SetLocalWake), until the notifier is destroyed.
  EventNotifier(db::ConnectionPool& pool, EventLog& log,
                absl::Duration poll_interval = absl::Milliseconds(500));
  ~EventNotifier();  // Stops the thread.
  EventNotifier(const EventNotifier&) = delete;
  EventNotifier& operator=(const EventNotifier&) = delete;

  void Start();

  // Calls `callback` (on the notifier thread; it must not block) when events of
  // `organization` (empty: of any organization) may have committed. Returns an id for
  // Unsubscribe.
  int64_t Subscribe(std::string organization, Callback callback);
  // After this returns, the callback is not running and will not run again.
  void Unsubscribe(int64_t id);

  // Wakes the subscribers of `organization` now, as its notification would (EventLog::Committed
  // calls it).
  void Wake(const std::string& organization);

  // Adds or removes an observer of every change; after RemoveObserver returns it is not
  // called again.
  void AddObserver(ChangeObserver* observer);
  void RemoveObserver(ChangeObserver* observer);

  // Whether a notification may be waiting on the LISTEN connection, received but not yet
  // told to the observers (true also while there is no connection). A cache checks it before
  // it answers, which narrows the time another replica's change can go unseen to the
  // database's delivery of its notification. One poll(2), no lock.
  bool NotificationsPending() const;

  // Server shutdown: from now on closing() is true, and every subscriber is woken once so
  // that open streams end promptly (clients reconnect with their cursor elsewhere).
  void CloseAll();
  bool closing() const;

 private:
  struct Subscriber {
    std::string organization;
    Callback callback;
  };

  void Run();
  // Wakes the subscribers of `organizations` (all of them when `everyone`).
  void Dispatch(const std::set<std::string>& organizations, bool everyone);
  // Tells the observers when whether every commit is heard changes.
  void SetWatching(bool watching);

  db::ConnectionPool& pool_;
  EventLog& log_;
  const absl::Duration poll_interval_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> closing_{false};
  // The LISTEN connection's socket, -1 without one: set by the notifier's thread, which makes
  // it -1 before it closes the connection.
  std::atomic<int> listen_socket_{-1};
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int64_t, Subscriber> subscribers_ ABSL_GUARDED_BY(mu_);
  std::vector<ChangeObserver*> observers_ ABSL_GUARDED_BY(mu_);
  bool watching_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace throughline::eventlog
