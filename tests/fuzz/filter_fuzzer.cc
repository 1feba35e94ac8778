// AIP-160 filters (libs/api/filter.h, FilterValues in libs/api/resources.h), with the field
// lists of every List and Watch method.
//
// Input: byte 0 picks the method's allowed fields, the rest is the filter. A filter either
// parses into terms on allowed, distinct fields, whose canonical rendering parses back to the
// same terms, or is refused with a field error on "filter".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_checks.h"
#include "libs/api/filter.h"
#include "libs/api/resources.h"

namespace {

using throughline::api::FilterTerm;
using throughline::fuzz::CheckClientError;

const std::vector<std::vector<std::string>>& AllowedFieldLists() {
  static const auto* lists = new std::vector<std::vector<std::string>>{
      {"decision"},                                // ListMarkets
      {"targeting", "market"},                     // ListSegments
      {"target_segment"},                          // ListOfferings
      {"state", "owning_function"},                // ListDecisions
      {"owner", "function", "offering", "state"},  // ListTasks
      {"type", "subject"},                         // Watch…Events
      {},                                          // a collection without filters
  };
  return *lists;
}

// `field = "value"` terms joined by AND, with quotes and backslashes escaped.
std::string Render(const std::vector<FilterTerm>& terms) {
  std::string out;
  for (const FilterTerm& term : terms) {
    if (!out.empty()) out += " AND ";
    out += term.field + " = \"";
    for (char c : term.value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace api = throughline::api;
  if (size == 0) return 0;
  const auto& allowed = AllowedFieldLists()[data[0] % AllowedFieldLists().size()];
  const std::string_view filter(reinterpret_cast<const char*>(data + 1), size - 1);

  auto terms = api::ParseFilter(filter, allowed);
  auto values = api::FilterValues(filter, allowed);
  FUZZ_CHECK(terms.ok() == values.ok());
  if (!terms.ok()) {
    FUZZ_CHECK(terms.status().code() == absl::StatusCode::kInvalidArgument);
    CheckClientError(terms.status());
    return 0;
  }
  FUZZ_CHECK(values->size() == allowed.size());
  for (size_t i = 0; i < terms->size(); ++i) {
    const FilterTerm& term = (*terms)[i];
    FUZZ_CHECK(std::find(allowed.begin(), allowed.end(), term.field) != allowed.end());
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK((*terms)[j].field != term.field);
    FUZZ_CHECK(values->at(term.field) == term.value);
  }
  const std::string rendered = Render(*terms);
  if (rendered.size() <= api::kMaxFilterLength) {
    auto again = api::ParseFilter(rendered, allowed);
    FUZZ_CHECK(again.ok() && again->size() == terms->size());
    for (size_t i = 0; i < terms->size(); ++i) {
      FUZZ_CHECK((*again)[i].field == (*terms)[i].field);
      FUZZ_CHECK((*again)[i].value == (*terms)[i].value);
    }
  }
  return 0;
}
