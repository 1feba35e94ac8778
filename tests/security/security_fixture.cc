#include "tests/security/security_fixture.h"

#include <algorithm>
#include <iterator>
#include <pqxx/pqxx>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "libs/errors/errors.h"
#include "tests/support/wait.h"

namespace throughline::security::testing {
namespace {

using alignment::testing::Describe;
using alignment::testing::kServiceToken;

// The services' schemas (DESIGN.md §2); each keeps its own event log and bookkeeping.
constexpr char kSchemasQuery[] =
    "SELECT table_schema, table_name FROM information_schema.tables "
    "WHERE table_schema IN ('segment', 'offering', 'alignment') AND table_type = 'BASE TABLE' "
    "ORDER BY 1, 2";

// The segment and offering events alignmentd has not processed yet: it claims each event in its
// inbox in the transaction that processes it, tasks or not.
constexpr char kUnprocessedEventsQuery[] = R"sql(
  SELECT count(*)
  FROM (SELECT event_id FROM segment.event_log UNION ALL SELECT event_id FROM offering.event_log)
       AS e
  WHERE NOT EXISTS (SELECT 1 FROM alignment.inbox AS i WHERE i.event_id = e.event_id::text))sql";

}  // namespace

Organization Organization::Named(std::string_view id) {
  Organization organization;
  organization.id = std::string(id);
  organization.parent = absl::StrCat("organizations/", organization.id);
  organization.market = absl::StrCat(organization.parent, "/markets/cloud-databases");
  organization.diy = absl::StrCat(organization.market, "/segments/diy-power-users");
  organization.one_click = absl::StrCat(organization.market, "/segments/one-click-customers");
  organization.offering = absl::StrCat(organization.parent, "/offerings/managed-postgresql");
  organization.decision = absl::StrCat(organization.offering, "/decisions/hide-most-knobs");
  organization.engineering = absl::StrCat(organization.parent, "/functions/engineering");
  organization.commitment = absl::StrCat(organization.offering, "/commitments/engineering");
  return organization;
}

void SecuritySuiteTest::SetUp() {
  database_ = throughline::testing::TestDatabase::Create();
  flags_.listen = "127.0.0.1:0";
  flags_.admin_listen = "";
  flags_.database_url = database_->url();
  flags_.shutdown_grace_seconds = 1;
  flags_.workers = 4;
  flags_.db_pool_size = 4;

  auto tokens = auth::TokenAuthenticator::FromString(alignment::testing::TokensFile(), "tokens");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  tokens_ = *std::move(tokens);

  auto segment = segment::SegmentServer::Start(flags_, tokens_);
  ASSERT_TRUE(segment.ok()) << segment.status();
  segment_server_ = *std::move(segment);
  const std::string segment_address = absl::StrCat("127.0.0.1:", segment_server_->port());

  auto offering = offering::OfferingServer::Start(
      flags_, offering::OfferingServerOptions{segment_address, kServiceToken}, tokens_);
  ASSERT_TRUE(offering.ok()) << offering.status();
  offering_server_ = *std::move(offering);
  const std::string offering_address = absl::StrCat("127.0.0.1:", offering_server_->port());

  alignment::AlignmentServerOptions options;
  options.segment_address = segment_address;
  options.offering_address = offering_address;
  options.service_token = kServiceToken;
  auto aligned = alignment::AlignmentServer::Start(flags_, options, tokens_);
  ASSERT_TRUE(aligned.ok()) << aligned.status();
  alignment_server_ = *std::move(aligned);
  const std::string alignment_address = absl::StrCat("127.0.0.1:", alignment_server_->port());

  clients_ = std::make_unique<alignment::testing::SuiteClients>(segment_address, offering_address,
                                                                alignment_address);
  const std::vector<std::string> addresses = {segment_address, offering_address, alignment_address};
  const auto services = Services();
  for (size_t i = 0; i < services.size(); ++i) {
    channels_[std::string(services[i]->full_name())] =
        grpc::CreateChannel(addresses[i], grpc::InsecureChannelCredentials());
  }

  ASSERT_NO_FATAL_FAILURE(suite().AssignOwners());  // acme's owners; globex's have none
  ASSERT_NO_FATAL_FAILURE(SeedOrganization(acme_, alignment::testing::kAcmeEditor));
  ASSERT_NO_FATAL_FAILURE(SeedOrganization(globex_, alignment::testing::kGlobexEditor));
  ASSERT_NO_FATAL_FAILURE(CollectGlobexSecrets());
}

void SecuritySuiteTest::TearDown() {
  channels_.clear();
  clients_.reset();
  alignment_server_.reset();
  offering_server_.reset();
  segment_server_.reset();
  database_.reset();
}

void SecuritySuiteTest::SeedOrganization(Organization& organization, std::string_view token) {
  using namespace alignment::testing;  // NOLINT: the scenario's builders
  const bool marked = organization.id == "globex";
  const std::string marker = marked ? absl::StrCat(" (", kGlobexMarker, ")") : "";

  seg::Market market = CloudDatabases();
  market.set_rationale(market.rationale() + marker);
  auto created_market = suite().CreateMarket(kMarketId, market, token, organization.parent);
  ASSERT_TRUE(created_market.ok()) << Describe(created_market.status);
  auto diy = suite().CreateSegment(organization.market, "diy-power-users", DiyPowerUsers(), token);
  ASSERT_TRUE(diy.ok()) << Describe(diy.status);
  auto one_click =
      suite().CreateSegment(organization.market, "one-click-customers", OneClickCustomers(), token);
  ASSERT_TRUE(one_click.ok()) << Describe(one_click.status);

  off::Offering offering = ManagedPostgres(organization.diy);
  offering.set_value_proposition(offering.value_proposition() + marker);
  auto created_offering =
      suite().CreateOffering(kManagedPostgresId, offering, token, organization.parent);
  ASSERT_TRUE(created_offering.ok()) << Describe(created_offering.status);
  off::Decision decision = HideMostKnobs();
  decision.set_why(decision.why() + marker);
  auto created_decision =
      suite().CreateDecision(organization.offering, "hide-most-knobs", decision, token);
  ASSERT_TRUE(created_decision.ok()) << Describe(created_decision.status);

  aln::Commitment commitment;
  commitment.set_statement("Every knob a power user needs, documented" + marker);
  auto created_commitment =
      suite().CreateCommitment(organization.offering, "engineering", commitment, token);
  ASSERT_TRUE(created_commitment.ok()) << Describe(created_commitment.status);

  auto retargeted = suite().Retarget(organization.offering, organization.one_click,
                                     "PostgreSQL that just works" + marker, token);
  ASSERT_TRUE(retargeted.ok()) << Describe(retargeted.status);
  const auto tasks = suite().WaitForTasks(
      [&](const aln::Task& task) {
        return task.trigger().event_type() == "throughline.offering.v1.offering_retargeted";
      },
      5, kTaskTimeout, token, organization.parent);
  ASSERT_EQ(tasks.size(), 5u);
  for (const auto& task : tasks) {
    if (task.function() == organization.engineering) organization.task = task.name();
  }
  ASSERT_FALSE(organization.task.empty()) << "no engineering task in " << organization.id;
}

void SecuritySuiteTest::CollectGlobexSecrets() {
  globex_secrets_ = {kGlobexMarker};
  // Every resource of globex, read as globex: their uids and etags are what no acme caller
  // could have sent, so finding one in an answer to acme is a leak.
  const std::string token = alignment::testing::kGlobexEditor;
  auto add = [&](const google::protobuf::Message& resource) {
    const auto* descriptor = resource.GetDescriptor();
    for (const char* field : {"uid", "etag"}) {
      const auto* found = descriptor->FindFieldByName(field);
      ASSERT_NE(found, nullptr) << descriptor->full_name() << " has no " << field;
      const std::string value = resource.GetReflection()->GetString(resource, found);
      ASSERT_FALSE(value.empty()) << descriptor->full_name() << "." << field;
      globex_secrets_.push_back(value);
    }
  };
  auto read = [&](std::string_view method, std::string_view name_field, const std::string& name) {
    const auto& descriptor = Method(method);
    auto request = NewRequest(descriptor);
    request->GetReflection()->SetString(
        request.get(), request->GetDescriptor()->FindFieldByName(std::string(name_field)), name);
    RawResult result = CallMethod(method, *request, token);
    ASSERT_TRUE(result.status.ok()) << method << " " << name << ": " << Describe(result.status);
    auto response = ParseResponse(descriptor, result.responses.at(0));
    ASSERT_NE(response, nullptr);
    add(*response);
  };
  read("throughline.segment.v1.SegmentService.GetMarket", "name", globex_.market);
  read("throughline.segment.v1.SegmentService.GetSegment", "name", globex_.diy);
  read("throughline.segment.v1.SegmentService.GetSegment", "name", globex_.one_click);
  read("throughline.offering.v1.OfferingService.GetOffering", "name", globex_.offering);
  read("throughline.offering.v1.OfferingService.GetDecision", "name", globex_.decision);
  read("throughline.alignment.v1.AlignmentService.GetCommitment", "name", globex_.commitment);
  auto functions = suite().ListFunctions(token, globex_.parent);
  ASSERT_TRUE(functions.ok()) << Describe(functions.status);
  for (const auto& function : functions.value.functions()) add(function);
  for (const auto& task : suite().AllTasks("", token, globex_.parent)) add(task);
}

grpc::Channel& SecuritySuiteTest::ChannelOf(const google::protobuf::ServiceDescriptor& service) {
  return *channels_.at(std::string(service.full_name()));
}

std::vector<const google::protobuf::ServiceDescriptor*> SecuritySuiteTest::Services() {
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const char* name :
       {"throughline.segment.v1.SegmentService", "throughline.offering.v1.OfferingService",
        "throughline.alignment.v1.AlignmentService"}) {
    services.push_back(google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name));
  }
  return services;
}

const google::protobuf::MethodDescriptor& SecuritySuiteTest::Method(std::string_view full_name) {
  const auto* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(std::string(full_name));
  if (method == nullptr) {
    ADD_FAILURE() << "no method " << full_name;
    return *Services().front()->method(0);
  }
  return *method;
}

RawResult SecuritySuiteTest::CallMethod(std::string_view method,
                                        const google::protobuf::Message& request,
                                        std::string_view token, const EnoughMessages& enough) {
  const auto& descriptor = Method(method);
  return Call(ChannelOf(*descriptor.service()), descriptor, request, token, absl::Seconds(20),
              enough);
}

RawResult SecuritySuiteTest::CallText(std::string_view method, const std::string& request,
                                      std::string_view token, const EnoughMessages& enough) {
  auto message = NewRequest(Method(method));
  if (!google::protobuf::TextFormat::ParseFromString(request, message.get())) {
    ADD_FAILURE() << "not a " << method << " request: " << request;
  }
  return CallMethod(method, *message, token, enough);
}

DatabaseSnapshot SecuritySuiteTest::Snapshot() const {
  DatabaseSnapshot snapshot;
  pqxx::connection connection(database_->url());
  // alignmentd processes events after their calls return; a snapshot taken before it is done
  // would change under the test without any call of the test changing anything.
  const bool settled = throughline::testing::WaitFor(
      [&] {
        pqxx::read_transaction tx(connection);
        return tx.exec1(kUnprocessedEventsQuery)[0].as<int>() == 0;
      },
      alignment::testing::kTaskTimeout);
  EXPECT_TRUE(settled) << "alignmentd did not process every segment and offering event";
  pqxx::read_transaction tx(connection);
  for (const auto& table : tx.exec(kSchemasQuery)) {
    const std::string name = absl::StrCat(tx.quote_name(table[0].as<std::string>()), ".",
                                          tx.quote_name(table[1].as<std::string>()));
    auto& rows = snapshot[name];
    for (const auto& row : tx.exec(absl::StrCat("SELECT t::text FROM ", name, " t ORDER BY 1"))) {
      rows.push_back(row[0].as<std::string>());
    }
  }
  return snapshot;
}

std::string SnapshotDifference(const DatabaseSnapshot& before, const DatabaseSnapshot& after) {
  std::string difference;
  std::set<std::string> tables;
  for (const auto& [table, rows] : before) tables.insert(table);
  for (const auto& [table, rows] : after) tables.insert(table);
  for (const std::string& table : tables) {
    const auto rows_in = [&table](const DatabaseSnapshot& snapshot) {
      const auto found = snapshot.find(table);
      std::vector<std::string> rows;
      if (found != snapshot.end()) rows = found->second;
      std::sort(rows.begin(), rows.end());
      return rows;
    };
    const std::vector<std::string> old_rows = rows_in(before);
    const std::vector<std::string> new_rows = rows_in(after);
    std::vector<std::string> lost;
    std::vector<std::string> gained;
    std::set_difference(old_rows.begin(), old_rows.end(), new_rows.begin(), new_rows.end(),
                        std::back_inserter(lost));
    std::set_difference(new_rows.begin(), new_rows.end(), old_rows.begin(), old_rows.end(),
                        std::back_inserter(gained));
    for (const std::string& row : lost) absl::StrAppend(&difference, table, " lost ", row, "\n");
    for (const std::string& row : gained) {
      absl::StrAppend(&difference, table, " gained ", row, "\n");
    }
  }
  return difference;
}

std::vector<std::string> SecuritySuiteTest::GlobexSecretsIn(std::string_view text) const {
  std::vector<std::string> found;
  for (const auto& secret : globex_secrets_) {
    if (absl::StrContains(absl::string_view(text.data(), text.size()), secret)) {
      found.push_back(secret);
    }
  }
  return found;
}

std::vector<std::string> SecuritySuiteTest::GlobexLeaksIn(const RawResult& result,
                                                          bool acme_request) const {
  std::string text = result.status.error_message();
  text += errors::DecodeDetails(result.status).DebugString();
  for (const auto& response : result.responses) text += response;
  std::vector<std::string> found = GlobexSecretsIn(text);
  if (acme_request) {
    // An acme request names only acme; any globex name in the answer came from globex's data.
    for (const auto& response : result.responses) {
      if (absl::StrContains(response, "organizations/globex")) {
        found.push_back("a name in organizations/globex");
      }
    }
  }
  return found;
}

}  // namespace throughline::security::testing
