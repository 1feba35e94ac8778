// The whole suite in-process for the security tests: one throwaway database, the segment,
// offering and alignment servers on port 0, and two organizations seeded with a resource of
// every kind — acme (A) and globex (B): a market, two segments, an offering with a decision and
// an engineering commitment, the five default functions, and the five tasks of a retarget.
// Globex's texts carry a marker, and its uids and etags are collected, so a test can scan any
// answer given to acme for anything of globex.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "libs/auth/auth.h"
#include "libs/server/service_flags.h"
#include "services/alignment/alignment_server.h"
#include "services/offering/offering_server.h"
#include "services/segment/segment_server.h"
#include "tests/security/raw_call.h"
#include "tests/services/alignment/alignment_scenario.h"
#include "tests/services/alignment/suite_clients.h"
#include "tests/support/test_database.h"

namespace throughline::security::testing {

namespace aln = ::throughline::alignment::v1;
namespace off = ::throughline::offering::v1;
namespace seg = ::throughline::segment::v1;

// Written into globex's texts (rationales, value propositions, whys, statements); it must
// never reach an acme caller.
inline constexpr char kGlobexMarker[] = "globex-confidential";

// Not in the tokens file.
inline constexpr char kGarbageToken[] = "not-a-token-anyone-was-given";

// The names of one seeded organization; every organization gets the same ids.
struct Organization {
  std::string id;      // "acme"
  std::string parent;  // "organizations/acme"
  std::string market;
  std::string diy;        // the segment the offering was designed for
  std::string one_click;  // the segment it was retargeted to
  std::string offering;
  std::string decision;
  std::string engineering;  // the engineering function
  std::string commitment;   // engineering's commitment to the offering
  std::string task;         // engineering's task of the retarget

  static Organization Named(std::string_view id);
};

// A snapshot of every row of every table of the services' schemas, as text, by table.
using DatabaseSnapshot = std::map<std::string, std::vector<std::string>>;

// What changed from `before` to `after`: a line per row a table lost or gained; empty when
// nothing did.
std::string SnapshotDifference(const DatabaseSnapshot& before, const DatabaseSnapshot& after);

class SecuritySuiteTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  alignment::testing::SuiteClients& suite() { return *clients_; }
  const Organization& acme() const { return acme_; }
  const Organization& globex() const { return globex_; }

  // The channel to the server of `service` (one of the three services).
  grpc::Channel& ChannelOf(const google::protobuf::ServiceDescriptor& service);
  // The three services' descriptors: segment, offering, alignment.
  static std::vector<const google::protobuf::ServiceDescriptor*> Services();
  static const google::protobuf::MethodDescriptor& Method(std::string_view full_name);

  // Calls `method` (e.g. "throughline.segment.v1.SegmentService.GetMarket") with `request`.
  RawResult CallMethod(std::string_view method, const google::protobuf::Message& request,
                       std::string_view token, const EnoughMessages& enough = {});
  // CallMethod with the request in protobuf text format; fails the test when it does not parse.
  RawResult CallText(std::string_view method, const std::string& request, std::string_view token,
                     const EnoughMessages& enough = {});

  // Every row of the services' tables, once alignmentd has processed every segment and
  // offering event (it writes its inbox and cursors for each).
  DatabaseSnapshot Snapshot() const;

  // Everything of globex found in `text`: its marker, uids and etags. Empty when clean.
  std::vector<std::string> GlobexSecretsIn(std::string_view text) const;
  // GlobexSecretsIn over a call's status message, details and responses; for an answer to an
  // acme request (a parent or name in acme) also any "organizations/globex" name.
  std::vector<std::string> GlobexLeaksIn(const RawResult& result, bool acme_request) const;

 private:
  void SeedOrganization(Organization& organization, std::string_view token);
  void CollectGlobexSecrets();

  server::ServiceFlags flags_;
  auth::TokenAuthenticator tokens_;
  std::unique_ptr<throughline::testing::TestDatabase> database_;
  std::unique_ptr<segment::SegmentServer> segment_server_;
  std::unique_ptr<offering::OfferingServer> offering_server_;
  std::unique_ptr<alignment::AlignmentServer> alignment_server_;
  std::unique_ptr<alignment::testing::SuiteClients> clients_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;  // by service full name
  Organization acme_ = Organization::Named("acme");
  Organization globex_ = Organization::Named("globex");
  std::vector<std::string> globex_secrets_;
};

}  // namespace throughline::security::testing
