// WatchSegmentEvents: every committed change is exactly one CloudEvent, failed changes emit
// nothing, and a subscriber that disconnects and resumes with its cursor misses nothing and
// sees nothing twice, in per-resource revision order, while many writers run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "tests/services/segment/segment_fixture.h"
#include "tests/support/wait.h"

namespace throughline::segment::testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using throughline::testing::WaitFor;

constexpr char kMarketCreated[] = "throughline.segment.v1.market_created";
constexpr char kMarketChanged[] = "throughline.segment.v1.market_changed";
constexpr char kMarketDeleted[] = "throughline.segment.v1.market_deleted";
constexpr char kSegmentCreated[] = "throughline.segment.v1.segment_created";
constexpr char kSegmentChanged[] = "throughline.segment.v1.segment_changed";
constexpr char kSegmentDeleted[] = "throughline.segment.v1.segment_deleted";

// A subscriber on its own thread. Whenever its stream ends it reconnects with the cursor of the
// last event it received, as a real consumer would; Disconnect() cancels the current stream
// mid-flight, and with `reconnect_every` it also cancels its own stream after that many events.
class ResumingSubscriber {
 public:
  ResumingSubscriber(v1::SegmentService::Stub& stub, std::string token, std::string parent,
                     std::string filter = "", int reconnect_every = 0)
      : stub_(stub),
        token_(std::move(token)),
        parent_(std::move(parent)),
        filter_(std::move(filter)),
        reconnect_every_(reconnect_every) {
    thread_ = std::thread([this] { Run(); });
  }

  ~ResumingSubscriber() { Stop(); }

  void Disconnect() {
    absl::MutexLock lock(&mu_);
    if (current_ != nullptr) current_->TryCancel();
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      if (current_ != nullptr) current_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }

  size_t size() const {
    absl::MutexLock lock(&mu_);
    return events_.size();
  }

  bool WaitForEvents(size_t count, absl::Duration timeout) {
    return WaitFor([&] { return size() >= count; }, timeout);
  }

  std::vector<v1::WatchSegmentEventsResponse> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }

  int connections() const {
    absl::MutexLock lock(&mu_);
    return connections_;
  }

  // How streams ended other than by our own cancellation.
  std::vector<std::string> unexpected_endings() const {
    absl::MutexLock lock(&mu_);
    return unexpected_endings_;
  }

 private:
  void Run() {
    while (true) {
      grpc::ClientContext context;
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
      v1::WatchSegmentEventsRequest request;
      request.set_parent(parent_);
      request.set_filter(filter_);
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        request.set_after_cursor(cursor_);
        current_ = &context;
        ++connections_;
      }
      auto reader = stub_.WatchSegmentEvents(&context, request);
      v1::WatchSegmentEventsResponse response;
      int in_this_stream = 0;
      while (reader->Read(&response)) {
        absl::MutexLock lock(&mu_);
        events_.push_back(response);
        cursor_ = response.cursor();
        if (reconnect_every_ > 0 && ++in_this_stream % reconnect_every_ == 0) {
          context.TryCancel();
        }
      }
      const grpc::Status status = reader->Finish();
      absl::MutexLock lock(&mu_);
      current_ = nullptr;
      if (stopping_) return;
      if (status.error_code() != grpc::StatusCode::CANCELLED) {
        unexpected_endings_.push_back(Describe(status));
      }
    }
  }

  v1::SegmentService::Stub& stub_;
  const std::string token_;
  const std::string parent_;
  const std::string filter_;
  const int reconnect_every_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* current_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::string cursor_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::WatchSegmentEventsResponse> events_ ABSL_GUARDED_BY(mu_);
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> unexpected_endings_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Checks that `events` hold each event once and, per resource, consecutive revisions
// (segments) in order; returns the revisions of each segment subject.
std::map<std::string, std::vector<int64_t>> ExpectExactlyOnceInRevisionOrder(
    const std::vector<v1::WatchSegmentEventsResponse>& events) {
  std::set<std::string> ids;
  std::set<std::string> cursors;
  std::map<std::string, std::vector<int64_t>> revisions;
  for (const auto& response : events) {
    const CloudEvent& event = response.event();
    EXPECT_TRUE(ids.insert(event.id()).second) << "delivered twice: " << event.id();
    EXPECT_TRUE(cursors.insert(response.cursor()).second) << "cursor repeated";
    if (event.type() == kSegmentCreated || event.type() == kSegmentChanged) {
      revisions[Subject(event)].push_back(Revision(event));
    }
  }
  for (const auto& [subject, sequence] : revisions) {
    for (size_t i = 0; i < sequence.size(); ++i) {
      EXPECT_EQ(sequence[i], static_cast<int64_t>(i + 1))
          << subject << " revisions out of order: " << ::testing::PrintToString(sequence);
      if (sequence[i] != static_cast<int64_t>(i + 1)) break;
    }
  }
  return revisions;
}

class SegmentEventsTest : public SegmentServiceTest {};

TEST_F(SegmentEventsTest, EveryCommittedChangeProducesExactlyOneCloudEvent) {
  const absl::Time start = absl::Now();
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment created = MustCreateSegment(market.name(), "diy");
  v1::Segment change = created;
  change.set_targeting(v1::Segment::DEPRIORITIZED);
  change.mutable_needs(0)->set_importance(type::v1::LOW);
  auto changed = UpdateSegment(kAcmeEditor, change, {"targeting", "needs", "priority"});
  ASSERT_TRUE(changed.ok()) << Describe(changed.status);
  v1::Market market_change = market;
  market_change.set_decision(v1::Market::EXIT);
  auto market_changed = UpdateMarket(kAcmeEditor, market_change, {"decision", "rationale"});
  ASSERT_TRUE(market_changed.ok()) << Describe(market_changed.status);
  ASSERT_TRUE(DeleteSegment(kAcmeEditor, created.name()).ok());
  ASSERT_TRUE(DeleteMarket(kAcmeEditor, market.name()).ok());

  const Events events = ReadEvents("", 6);
  ASSERT_EQ(events.responses.size(), 6u) << Describe(events.status);
  EXPECT_THAT(events.Types(), ElementsAre(kMarketCreated, kSegmentCreated, kSegmentChanged,
                                          kMarketChanged, kSegmentDeleted, kMarketDeleted));
  EXPECT_THAT(events.Subjects(), ElementsAre(market.name(), created.name(), created.name(),
                                             market.name(), created.name(), market.name()));
  std::set<std::string> ids;
  for (const auto& response : events.responses) {
    const CloudEvent& event = response.event();
    SCOPED_TRACE(event.type());
    EXPECT_TRUE(ids.insert(event.id()).second);
    EXPECT_EQ(event.id().size(), 36u);
    EXPECT_EQ(event.spec_version(), "1.0");
    EXPECT_EQ(event.source(), "//segment.throughline.dev/organizations/acme");
    EXPECT_EQ(AttributeString(event, "organization"), "acme");
    const auto time = event.attributes().find("time");
    ASSERT_NE(time, event.attributes().end());
    const absl::Time when =
        absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(time->second.ce_timestamp()));
    EXPECT_GE(when, start - absl::Milliseconds(1));
    EXPECT_LE(when, absl::Now());
    EXPECT_TRUE(event.has_proto_data());
    EXPECT_FALSE(response.cursor().empty());
  }

  // segment_created: after is the created segment, every field changed.
  const auto segment_created = SegmentData(events.responses[1].event());
  EXPECT_FALSE(segment_created.has_before());
  EXPECT_TRUE(MessageDifferencer::Equals(segment_created.after(), created));
  EXPECT_THAT(segment_created.changed_paths(), ::testing::Contains("needs"));
  EXPECT_EQ(Revision(events.responses[1].event()), 1);

  // segment_changed: before and after snapshots and exactly the fields that changed (priority
  // was in the mask but kept its value).
  const auto segment_changed = SegmentData(events.responses[2].event());
  EXPECT_TRUE(MessageDifferencer::Equals(segment_changed.before(), created));
  EXPECT_TRUE(MessageDifferencer::Equals(segment_changed.after(), changed.value));
  EXPECT_THAT(segment_changed.changed_paths(), UnorderedElementsAre("needs", "targeting"));
  EXPECT_EQ(Revision(events.responses[2].event()), 2);

  const auto market_data = MarketData(events.responses[3].event());
  EXPECT_TRUE(MessageDifferencer::Equals(market_data.before(), market));
  EXPECT_TRUE(MessageDifferencer::Equals(market_data.after(), market_changed.value));
  EXPECT_THAT(market_data.changed_paths(), ElementsAre("decision"));

  const auto segment_deleted = SegmentData(events.responses[4].event());
  EXPECT_TRUE(MessageDifferencer::Equals(segment_deleted.before(), changed.value));
  EXPECT_FALSE(segment_deleted.has_after());
  EXPECT_EQ(Revision(events.responses[4].event()), 2);

  const auto market_deleted = MarketData(events.responses[5].event());
  EXPECT_TRUE(MessageDifferencer::Equals(market_deleted.before(), market_changed.value));
  EXPECT_FALSE(market_deleted.has_after());
}

TEST_F(SegmentEventsTest, ChangesWhoseTransactionFailsEmitNoEvent) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  const v1::Segment segment = MustCreateSegment(market.name(), "diy");
  const v1::Market empty = MustCreateMarket("empty");
  auto replayed = CreateSegment(kAcmeEditor, market.name(), "replayed", SampleSegment(), "req-1");
  ASSERT_TRUE(replayed.ok());
  const std::string cursor = CurrentCursor();

  v1::Segment invalid = segment;
  invalid.mutable_needs(1)->clear_importance();
  EXPECT_EQ(UpdateSegment(kAcmeEditor, invalid, {"needs"}).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::Segment stale = segment;
  stale.set_etag("\"0000000000000000\"");
  stale.set_priority(9);
  EXPECT_EQ(UpdateSegment(kAcmeEditor, stale, {"priority"}).code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(CreateSegment(kAcmeEditor, market.name(), "diy", SampleSegment()).code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(CreateMarket(kAcmeEditor, kAcme, "cloud-databases", SampleMarket()).code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(DeleteSegment(kAcmeEditor, segment.name(), "\"0000000000000000\"").error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(DeleteMarket(kAcmeEditor, market.name()).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(DeleteMarket(kAcmeEditor, empty.name(), "\"0000000000000000\"").error_code(),
            grpc::StatusCode::ABORTED);
  v1::Market bad_market = market;
  bad_market.clear_rationale();
  EXPECT_EQ(UpdateMarket(kAcmeEditor, bad_market, {"rationale"}).code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      CreateSegment(kAcmeEditor, "organizations/acme/markets/missing", "s", SampleSegment()).code(),
      grpc::StatusCode::NOT_FOUND);
  // A replay of an earlier create returns the first result and emits nothing new.
  auto replay = CreateSegment(kAcmeEditor, market.name(), "replayed", SampleSegment(), "req-1");
  ASSERT_TRUE(replay.ok()) << Describe(replay.status);
  EXPECT_TRUE(MessageDifferencer::Equals(replay.value, replayed.value));
  // A no-op update changes nothing.
  EXPECT_TRUE(UpdateSegment(kAcmeEditor, segment, {"*"}).ok());

  ExpectNoEventsSince(cursor);
}

TEST_F(SegmentEventsTest, ResumingWithACursorContinuesRightAfterThatEvent) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  for (int i = 0; i < 4; ++i) MustCreateSegment(market.name(), absl::StrCat("s", i));
  const Events all = EventsUpToNewMarker("");
  ASSERT_EQ(all.responses.size(), 6u) << Describe(all.status);
  const std::string marker = Subject(all.responses.back().event());
  for (size_t from = 0; from < all.responses.size(); ++from) {
    SCOPED_TRACE(from);
    const Events rest = ReadEventsUntil(
        all.responses[from].cursor(), [&](const auto& r) { return Subject(r.event()) == marker; });
    if (from + 1 == all.responses.size()) {
      // After the last event there is nothing yet: the stream waits until its deadline.
      EXPECT_THAT(rest.responses, IsEmpty());
      continue;
    }
    ASSERT_EQ(rest.responses.size(), all.responses.size() - from - 1);
    for (size_t i = 0; i < rest.responses.size(); ++i) {
      EXPECT_EQ(rest.responses[i].event().id(), all.responses[from + 1 + i].event().id());
      EXPECT_EQ(rest.responses[i].cursor(), all.responses[from + 1 + i].cursor());
    }
  }
}

TEST_F(SegmentEventsTest, FilterByTypeAndSubjectSelectsEvents) {
  const v1::Market databases = MustCreateMarket("databases");
  const v1::Market data = MustCreateMarket("data");  // a prefix of "databases"
  const v1::Segment diy = MustCreateSegment(databases.name(), "diy");
  const v1::Segment analysts = MustCreateSegment(data.name(), "analysts");
  v1::Segment change = diy;
  change.set_priority(5);
  ASSERT_TRUE(UpdateSegment(kAcmeEditor, change, {"priority"}).ok());
  change = analysts;
  change.set_priority(6);
  ASSERT_TRUE(UpdateSegment(kAcmeEditor, change, {"priority"}).ok());

  const auto read = [&](const std::string& filter, size_t count) {
    return ReadEvents("", count, kAcmeViewer, kAcme, filter, absl::Seconds(5));
  };
  const Events changed = read("type = \"throughline.segment.v1.segment_changed\"", 2);
  EXPECT_THAT(changed.Subjects(), ElementsAre(diy.name(), analysts.name()));
  const Events under_databases = read(absl::StrCat("subject = \"", databases.name(), "\""), 3);
  EXPECT_THAT(under_databases.Subjects(), ElementsAre(databases.name(), diy.name(), diy.name()));
  const Events one_segment = read(absl::StrCat("subject = \"", analysts.name(), "\""), 2);
  EXPECT_THAT(one_segment.Types(), ElementsAre(kSegmentCreated, kSegmentChanged));
  const Events both =
      read(absl::StrCat("type = \"", kSegmentChanged, "\" AND subject = \"", data.name(), "\""), 1);
  EXPECT_THAT(both.Subjects(), ElementsAre(analysts.name()));

  // Nothing else matches: the next matching event is a new one, not an old one.
  v1::Segment last = analysts;
  last.set_priority(7);
  last.set_etag("");
  ASSERT_TRUE(UpdateSegment(kAcmeEditor, last, {"priority"}).ok());
  const Events after =
      read(absl::StrCat("type = \"", kSegmentChanged, "\" AND subject = \"", data.name(), "\""), 2);
  ASSERT_EQ(after.responses.size(), 2u) << Describe(after.status);
  EXPECT_EQ(Revision(after.responses[1].event()), 3);
  const Events created_markets = read(absl::StrCat("type = \"", kMarketCreated, "\""), 2);
  EXPECT_THAT(created_markets.Subjects(), ElementsAre(databases.name(), data.name()));
}

TEST_F(SegmentEventsTest, LiveSubscriberReceivesEachNewEventPromptly) {
  const v1::Market market = MustCreateMarket("cloud-databases");
  v1::Segment segment = MustCreateSegment(market.name(), "diy");
  ResumingSubscriber subscriber(stub(), kAcmeViewer, kAcme);
  ASSERT_TRUE(subscriber.WaitForEvents(2, absl::Seconds(5)));
  for (int i = 0; i < 5; ++i) {
    segment.set_priority(10 + i);
    auto updated = UpdateSegment(kAcmeEditor, segment, {"priority"});
    ASSERT_TRUE(updated.ok()) << Describe(updated.status);
    segment = updated.value;
    const absl::Time committed = absl::Now();
    ASSERT_TRUE(subscriber.WaitForEvents(3 + i, absl::Seconds(5)))
        << "event " << i << " did not arrive within 5 s of its commit";
    // Pushed by the server as it commits: LISTEN/NOTIFY wakes the stream.
    EXPECT_LT(absl::Now() - committed, absl::Seconds(5));
  }
  const auto events = subscriber.events();
  EXPECT_EQ(Revision(events.back().event()), 6);
  EXPECT_EQ(subscriber.connections(), 1);
  EXPECT_THAT(subscriber.unexpected_endings(), IsEmpty());
}

TEST_F(SegmentEventsTest, ResumingSubscriberGetsEveryEventOnceInOrderUnderEightWriters) {
  constexpr int kSegments = 4;
  constexpr int kWriters = 8;
  constexpr int kUpdatesPerWriter = 30;
  const v1::Market market = MustCreateMarket("cloud-databases");
  std::vector<std::string> segments;
  for (int i = 0; i < kSegments; ++i) {
    segments.push_back(MustCreateSegment(market.name(), absl::StrCat("s", i)).name());
  }
  const size_t setup_events = 1 + kSegments;

  // Cancels its own stream every 23 events, on top of the disconnects below.
  ResumingSubscriber subscriber(stub(), kAcmeViewer, kAcme, "", /*reconnect_every=*/23);
  std::atomic<int> successes{0};
  std::atomic<int> failures{0};
  std::atomic<int> writers_done{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kUpdatesPerWriter; ++i) {
        const std::string& name = segments[(w + i) % kSegments];
        v1::Segment change;
        change.set_name(name);
        if (w % 2 == 0) {
          // Read-modify-write with the etag: loses to concurrent writers now and then.
          auto current = GetSegment(kAcmeEditor, name);
          if (!current.ok()) {
            ++failures;
            continue;
          }
          change.set_etag(current.value.etag());
        }
        change.set_description(absl::StrCat("writer ", w, " update ", i));
        // Every tenth update is invalid and must leave no trace.
        change.set_priority(i % 10 == 9 ? 5000 : w * 100 + i);
        auto updated = UpdateSegment(kAcmeEditor, change, {"description", "priority"});
        if (updated.ok()) {
          ++successes;
        } else {
          EXPECT_TRUE(updated.code() == grpc::StatusCode::ABORTED ||
                      updated.code() == grpc::StatusCode::INVALID_ARGUMENT)
              << Describe(updated.status);
          ++failures;
        }
      }
      ++writers_done;
    });
  }
  // Disconnect the subscriber from outside too, whenever it has made some progress.
  int disconnects = 0;
  size_t seen = subscriber.size();
  while (writers_done < kWriters) {
    if (WaitFor([&] { return subscriber.size() >= seen + 31 || writers_done == kWriters; },
                absl::Seconds(30))) {
      subscriber.Disconnect();
      ++disconnects;
      seen = subscriber.size();
    }
  }
  for (auto& writer : writers) writer.join();

  const size_t expected = setup_events + successes;
  EXPECT_TRUE(subscriber.WaitForEvents(expected, absl::Seconds(30)))
      << subscriber.size() << " of " << expected << " events";
  // Prove the end: a final marker is the very next event, nothing repeated before it.
  const v1::Market marker = MustCreateMarket("marker", SampleMarket("Marker"));
  EXPECT_TRUE(subscriber.WaitForEvents(expected + 1, absl::Seconds(10)));
  subscriber.Stop();

  const auto events = subscriber.events();
  ASSERT_EQ(events.size(), expected + 1);
  EXPECT_EQ(Subject(events.back().event()), marker.name());
  EXPECT_GT(successes, 0);
  EXPECT_GT(failures, 0);
  EXPECT_GE(subscriber.connections(), 5) << "the subscriber should have resumed several times";
  EXPECT_THAT(subscriber.unexpected_endings(), IsEmpty());

  const auto revisions = ExpectExactlyOnceInRevisionOrder(events);
  size_t changes = 0;
  for (const std::string& name : segments) {
    const auto current = GetSegment(kAcmeViewer, name);
    ASSERT_TRUE(current.ok());
    ASSERT_TRUE(revisions.contains(name));
    EXPECT_EQ(revisions.at(name).back(), current.value.revision()) << name;
    changes += revisions.at(name).size() - 1;
  }
  EXPECT_EQ(changes, static_cast<size_t>(successes.load()));
  for (const auto& response : events) {
    if (response.event().type() != kSegmentChanged) continue;
    const auto data = SegmentData(response.event());
    EXPECT_EQ(data.after().revision(), Revision(response.event()));
    EXPECT_EQ(data.before().revision() + 1, data.after().revision());
    EXPECT_THAT(data.changed_paths(), ::testing::Not(IsEmpty()));
  }
}

TEST_F(SegmentEventsTest, ForcedMarketDeleteRacingSegmentUpdatesKeepsPerSegmentOrder) {
  // Each round: writers update the market's segments while the market is force-deleted. For
  // every segment, the log must read like what happened: its changes in revision order, then
  // its deletion carrying the last revision, and nothing after the deletion.
  constexpr int kRounds = 6;
  constexpr int kSegments = 3;
  ResumingSubscriber subscriber(stub(), kAcmeViewer, kAcme);
  size_t expected = 0;
  for (int round = 0; round < kRounds; ++round) {
    const v1::Market market = MustCreateMarket(absl::StrCat("market-", round));
    std::vector<std::string> names;
    for (int s = 0; s < kSegments; ++s) {
      names.push_back(MustCreateSegment(market.name(), absl::StrCat("s", s)).name());
    }
    std::atomic<int> successes{0};
    std::atomic<bool> deleted{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < kSegments; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 40 && !deleted; ++i) {
          v1::Segment change;
          change.set_name(names[w]);
          change.set_priority(i + 2);  // never 1, the priority it was created with
          if (UpdateSegment(kAcmeEditor, change, {"priority"}).ok()) ++successes;
        }
      });
    }
    ASSERT_TRUE(WaitFor([&] { return successes >= kSegments; }, absl::Seconds(10)));
    const grpc::Status status = DeleteMarket(kAcmeEditor, market.name(), "", /*force=*/true);
    deleted = true;
    for (auto& writer : writers) writer.join();
    ASSERT_TRUE(status.ok()) << Describe(status);
    // market created + deleted, each segment created + deleted, the successful changes.
    expected += 2 + 2 * kSegments + successes;
  }
  ASSERT_TRUE(subscriber.WaitForEvents(expected, absl::Seconds(30)))
      << subscriber.size() << " of " << expected;
  subscriber.Stop();
  const auto events = subscriber.events();
  EXPECT_EQ(events.size(), expected);
  ExpectExactlyOnceInRevisionOrder(events);
  std::map<std::string, int64_t> last_revision;
  std::set<std::string> gone;
  for (const auto& response : events) {
    const CloudEvent& event = response.event();
    const std::string subject = Subject(event);
    EXPECT_FALSE(gone.contains(subject))
        << event.type() << " of " << subject << " after its deletion";
    if (event.type() == kSegmentDeleted) {
      EXPECT_EQ(Revision(event), last_revision[subject]) << subject;
      EXPECT_EQ(SegmentData(event).before().revision(), last_revision[subject]) << subject;
      gone.insert(subject);
    } else if (event.type() == kMarketDeleted) {
      gone.insert(subject);
    } else if (event.type() == kSegmentCreated || event.type() == kSegmentChanged) {
      last_revision[subject] = Revision(event);
    }
  }
}

}  // namespace
}  // namespace throughline::segment::testing
