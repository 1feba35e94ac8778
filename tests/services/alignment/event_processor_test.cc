// EventProcessor's writes against the alignment schema in a throwaway database, without the
// other services (whose reads are the preparation's, not the writes'): events written together
// in one transaction leave the same tasks and task events as the same events written one
// transaction each.
#include "services/alignment/event_processor.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/db/connection_pool.h"
#include "libs/db/migrations.h"
#include "libs/db/transaction.h"
#include "services/alignment/alignment_server.h"
#include "tests/support/test_database.h"
#include "throughline/alignment/v1/events.pb.h"

namespace throughline::alignment {

const std::vector<db::Migration>& AlignmentMigrations();

namespace {

using ::testing::SizeIs;

class EventProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(db::ApplyMigrations(database_->url(), kSchema, AlignmentMigrations()).ok());
  }

  // A segment event of `organization`, prepared: its plan affects the offerings `offering_ids`.
  // Each organization has its own event source, since the inbox is keyed by source and id.
  struct PreparedEvent {
    io::cloudevents::v1::CloudEvent event;
    EventProcessor::Prepared prepared;
  };
  static PreparedEvent SegmentChange(const std::string& organization, const std::string& event_id,
                                     const std::vector<std::string>& offering_ids) {
    PreparedEvent made;
    made.event.set_source(absl::StrCat("//test/", organization));
    made.event.set_id(event_id);
    const std::string segment =
        absl::StrCat("organizations/", organization, "/markets/m/segments/s");
    TriggerPlan plan;
    plan.organization = organization;
    plan.trigger.set_event_source(made.event.source());
    plan.trigger.set_event_id(event_id);
    plan.trigger.set_event_type("throughline.segment.v1.segment_changed");
    plan.trigger.set_subject(segment);
    plan.change.before.set_name(segment);
    plan.change.after.set_name(segment);
    for (const std::string& id : offering_ids) {
      AffectedOffering affected;
      affected.offering.set_name(absl::StrCat("organizations/", organization, "/offerings/", id));
      affected.offering.set_target_segment(segment);
      plan.offerings.push_back(std::move(affected));
    }
    made.prepared.plan = std::move(plan);
    return made;
  }

  void WriteTogether(const std::vector<PreparedEvent>& events) {
    std::vector<EventProcessor::ReadyEvent> ready;
    for (const PreparedEvent& event : events) ready.push_back({&event.event, &event.prepared});
    const absl::Status written = processor_.WriteAll("segment-events", ready, "cursor");
    ASSERT_TRUE(written.ok()) << written;
  }

  void WriteOneByOne(const std::vector<PreparedEvent>& events) {
    for (const PreparedEvent& event : events) {
      const absl::Status written =
          processor_.Write("segment-events", event.event, "cursor", event.prepared);
      ASSERT_TRUE(written.ok()) << written;
    }
  }

  // What `organization`'s tasks and task events say, with each task named by what made it
  // ("event/offering/function": names are random), so that organizations compare.
  struct Outcome {
    std::map<std::string, std::string> tasks;  // by task: state, version, superseded by
    std::string events;                        // a line each, in log order
  };
  Outcome OutcomeOf(const std::string& organization) {
    Outcome outcome;
    const absl::Status read =
        db::RunRead(pool_, absl::Now() + absl::Seconds(30), [&](pqxx::transaction_base& tx) {
          std::map<std::string, std::string> made_by;  // task name -> what made it
          std::vector<std::pair<int64_t, v1::Task>> tasks;
          for (const auto& row : tx.exec_params(
                   "SELECT version, body_pb FROM tasks WHERE organization = $1", organization)) {
            v1::Task task;
            EXPECT_TRUE(task.ParseFromString(pqxx::binarystring(row[1]).str()));
            made_by[task.name()] = absl::StrCat(task.trigger().event_id(), "/",
                                                IdOf(task.offering()), "/", IdOf(task.function()));
            tasks.emplace_back(row[0].as<int64_t>(), std::move(task));
          }
          for (const auto& [version, task] : tasks) {
            outcome.tasks[made_by[task.name()]] =
                absl::StrCat(v1::Task::State_Name(task.state()), " v", version, " by ",
                             made_by[task.superseded_by()]);
          }
          for (const auto& row : tx.exec_params(
                   "SELECT event FROM event_log WHERE organization = $1 ORDER BY position",
                   organization)) {
            io::cloudevents::v1::CloudEvent event;
            EXPECT_TRUE(event.ParseFromString(pqxx::binarystring(row[0]).str()));
            v1::TaskEventData data;
            EXPECT_TRUE(event.proto_data().UnpackTo(&data));
            // A task created and superseded in one transaction keeps its update time, so
            // "update_time" is among the changed paths only when the two were written apart.
            std::vector<std::string> changed;
            for (const std::string& path : data.changed_paths()) {
              if (data.has_before() && path != "update_time") changed.push_back(path);
            }
            outcome.events += absl::StrCat(
                event.type().substr(event.type().rfind('.') + 1), " ", made_by[data.after().name()],
                " ", v1::Task::State_Name(data.after().state()), " by ",
                made_by[data.after().superseded_by()], " [", absl::StrJoin(changed, ","), "]\n");
          }
          return absl::OkStatus();
        });
    EXPECT_TRUE(read.ok()) << read;
    return outcome;
  }

  static std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

  std::unique_ptr<throughline::testing::TestDatabase> database_ =
      throughline::testing::TestDatabase::Create();
  db::ConnectionPool pool_{db::PoolOptions{.url = database_->url(), .schema = kSchema, .size = 2}};
  eventlog::EventLog task_log_{"alignment", kSchema};
  // Writing calls no other service: these channels never connect.
  SuiteClient suite_{grpc::CreateChannel("localhost:1", grpc::InsecureChannelCredentials()),
                     grpc::CreateChannel("localhost:1", grpc::InsecureChannelCredentials()),
                     "unused-token"};
  EventProcessor processor_{pool_, task_log_, suite_, [] { return absl::Now(); }, absl::Hours(24)};
};

// Three changes, the second and third for offerings the one before touched too: one
// transaction for all three (and for another organization's changes between them) writes what
// three transactions write. Each task of a later change supersedes the task of the change
// before it for the same offering and function, not the tasks that one superseded already.
TEST_F(EventProcessorTest, EventsWrittenTogetherLeaveWhatTheyLeaveOneByOne) {
  auto changes = [](const std::string& organization) {
    return std::vector<PreparedEvent>{SegmentChange(organization, "e1", {"o1", "o2"}),
                                      SegmentChange(organization, "e2", {"o2", "o3"}),
                                      SegmentChange(organization, "e3", {"o1", "o2"})};
  };
  // Tasks from before: the first change supersedes them.
  WriteOneByOne({SegmentChange("together", "e0", {"o1", "o2", "o3"}),
                 SegmentChange("mixed", "e0", {"o1", "o2", "o3"}),
                 SegmentChange("apart", "e0", {"o1", "o2", "o3"})});

  std::vector<PreparedEvent> together = changes("together");
  WriteTogether(together);
  // Two organizations interleaved in one transaction.
  std::vector<PreparedEvent> mixed = changes("mixed");
  std::vector<PreparedEvent> other = changes("other");
  WriteTogether({mixed[0], other[0], mixed[1], other[1], mixed[2], other[2]});
  WriteOneByOne(changes("apart"));

  const Outcome apart = OutcomeOf("apart");
  // Five functions: 15 tasks from before, 30 from the three changes.
  ASSERT_THAT(apart.tasks, SizeIs(45));
  EXPECT_EQ(apart.tasks.at("e1/o2/product"), "SUPERSEDED v2 by e2/o2/product");
  EXPECT_EQ(apart.tasks.at("e1/o1/product"), "SUPERSEDED v2 by e3/o1/product");
  EXPECT_EQ(apart.tasks.at("e0/o3/product"), "SUPERSEDED v2 by e2/o3/product");
  EXPECT_EQ(apart.tasks.at("e3/o2/product"), "OPEN v1 by ");
  for (const std::string organization : {"together", "mixed"}) {
    SCOPED_TRACE(organization);
    const Outcome outcome = OutcomeOf(organization);
    EXPECT_EQ(outcome.tasks, apart.tasks);
    EXPECT_EQ(outcome.events, apart.events);
  }
  const Outcome other_outcome = OutcomeOf("other");
  EXPECT_THAT(other_outcome.tasks, SizeIs(30));
}

}  // namespace
}  // namespace throughline::alignment
