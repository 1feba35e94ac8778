#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pqxx/pqxx"
#include "throughline/offering/v1/resources.pb.h"

namespace throughline::offering {

// A stored row: the resource, its pagination key and the version its etag is made from.
template <typename Resource>
struct Stored {
  int64_t key = 0;
  int64_t version = 0;
  Resource resource;
};

struct DecisionQuery {
  std::string organization;
  std::string offering_id;      // empty: every offering of the organization
  std::string state;            // enum name; empty: any
  std::string owning_function;  // empty: any
  std::string target_segment;   // empty: any; else only offerings that target this segment
  int64_t after_key = 0;
  int limit = 50;
};

// Every SQL statement of the offering service. All methods run in the caller's transaction.
class OfferingStore {
 public:
  // False when the id exists already.
  static bool InsertOffering(pqxx::work& tx, const std::string& organization,
                             const std::string& offering_id, const v1::Offering& offering);
  static std::optional<Stored<v1::Offering>> FindOffering(pqxx::transaction_base& tx,
                                                          const std::string& organization,
                                                          const std::string& offering_id,
                                                          bool for_update);
  static void UpdateOffering(pqxx::work& tx, const std::string& organization,
                             const std::string& offering_id, const v1::Offering& offering);
  static void DeleteOffering(pqxx::work& tx, const std::string& organization,
                             const std::string& offering_id);
  // Offerings of an organization, optionally only those targeting one segment.
  static std::vector<Stored<v1::Offering>> ListOfferings(pqxx::transaction_base& tx,
                                                         const std::string& organization,
                                                         const std::string& target_segment,
                                                         int64_t after_key, int limit);

  static bool InsertDecision(pqxx::work& tx, const std::string& organization,
                             const std::string& offering_id, const std::string& decision_id,
                             int64_t version, const v1::Decision& decision);
  static std::optional<Stored<v1::Decision>> FindDecision(pqxx::transaction_base& tx,
                                                          const std::string& organization,
                                                          const std::string& offering_id,
                                                          const std::string& decision_id,
                                                          bool for_update);
  static void UpdateDecision(pqxx::work& tx, const std::string& organization,
                             const std::string& offering_id, const std::string& decision_id,
                             int64_t version, const v1::Decision& decision);
  static void DeleteDecision(pqxx::work& tx, const std::string& organization,
                             const std::string& offering_id, const std::string& decision_id);
  static std::vector<Stored<v1::Decision>> ListDecisions(pqxx::transaction_base& tx,
                                                         const DecisionQuery& query);
  // Locks and returns every decision of an offering (for deleting the offering).
  static std::vector<Stored<v1::Decision>> LockDecisionsOfOffering(pqxx::work& tx,
                                                                   const std::string& organization,
                                                                   const std::string& offering_id);
};

}  // namespace throughline::offering
