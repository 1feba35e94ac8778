#include "tools/cli/value_syntax.h"

#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "throughline/alignment/v1/resources.pb.h"
#include "throughline/offering/v1/resources.pb.h"
#include "throughline/type/v1/need.pb.h"

namespace throughline::cli {
namespace {

using google::protobuf::Message;
namespace aln = throughline::alignment::v1;
namespace off = throughline::offering::v1;

// "key=rest" split at the first '='; nullopt without one or with an empty key.
std::optional<std::pair<std::string, std::string>> SplitKey(absl::string_view text) {
  const size_t equals = text.find('=');
  if (equals == absl::string_view::npos || equals == 0) return std::nullopt;
  return std::make_pair(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
}

// `text` split at ':' into at most `parts` pieces, padded with empty strings.
std::vector<std::string> SplitColons(absl::string_view text, int parts) {
  std::vector<std::string> pieces = absl::StrSplit(text, absl::MaxSplits(':', parts - 1));
  pieces.resize(parts);
  return pieces;
}

// `head`, then ":tail" for each non-empty tail, keeping empty middles so positions stay put.
std::string JoinColons(std::vector<std::string> pieces) {
  while (pieces.size() > 1 && pieces.back().empty()) pieces.pop_back();
  return absl::StrJoin(pieces, ":");
}

template <typename Enum>
absl::StatusOr<Enum> ParseNamed(const google::protobuf::EnumDescriptor* type,
                                absl::string_view text) {
  auto number = ParseEnum(*type, text);
  if (!number.ok()) return number.status();
  return static_cast<Enum>(*number);
}

absl::Status Expected(absl::string_view text, absl::string_view syntax) {
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": expected ", syntax));
}

// The text form of one message type.
struct TextForm {
  std::string syntax;
  std::function<absl::Status(absl::string_view, Message&)> parse;
  std::function<std::string(const Message&)> format;
};

absl::Status ParseNeed(absl::string_view text, type::v1::Need& need) {
  auto key = SplitKey(text);
  if (!key) return Expected(text, "DIMENSION=IMPORTANCE[:NOTE]");
  const auto pieces = SplitColons(key->second, 2);
  auto importance = ParseNamed<type::v1::Importance>(type::v1::Importance_descriptor(), pieces[0]);
  if (!importance.ok()) return importance.status();
  need.set_dimension(key->first);
  need.set_importance(*importance);
  need.set_note(pieces[1]);
  return absl::OkStatus();
}

std::string FormatNeed(const type::v1::Need& need) {
  return JoinColons(
      {absl::StrCat(need.dimension(), "=", type::v1::Importance_Name(need.importance())),
       need.note()});
}

absl::Status ParseEffect(absl::string_view text, off::Effect& effect) {
  constexpr absl::string_view kSyntax = "DIMENSION=SUPPORTS|WEAKENS:STRENGTH (1 to 3)";
  auto key = SplitKey(text);
  if (!key) return Expected(text, kSyntax);
  const auto pieces = SplitColons(key->second, 2);
  auto direction =
      ParseNamed<off::Effect::Direction>(off::Effect::Direction_descriptor(), pieces[0]);
  if (!direction.ok()) return direction.status();
  int strength = 0;
  if (!absl::SimpleAtoi(pieces[1], &strength)) return Expected(text, kSyntax);
  effect.set_dimension(key->first);
  effect.set_effect(*direction);
  effect.set_strength(strength);
  return absl::OkStatus();
}

std::string FormatEffect(const off::Effect& effect) {
  return absl::StrCat(effect.dimension(), "=", off::Effect::Direction_Name(effect.effect()), ":",
                      effect.strength());
}

absl::Status ParseKnob(absl::string_view text, off::Knob& knob) {
  auto key = SplitKey(text);
  if (!key) return Expected(text, "KEY=EXPOSURE[:DEFAULT[:DIMENSION]]");
  const auto pieces = SplitColons(key->second, 3);
  auto exposure = ParseNamed<off::Knob::Exposure>(off::Knob::Exposure_descriptor(), pieces[0]);
  if (!exposure.ok()) return exposure.status();
  knob.set_key(key->first);
  knob.set_exposure(*exposure);
  knob.set_default_value(pieces[1]);
  knob.set_dimension(pieces[2]);
  return absl::OkStatus();
}

std::string FormatKnob(const off::Knob& knob) {
  return JoinColons({absl::StrCat(knob.key(), "=", off::Knob::Exposure_Name(knob.exposure())),
                     knob.default_value(), knob.dimension()});
}

absl::Status ParseGuarantee(absl::string_view text, off::OperationalGuarantee& guarantee) {
  auto key = SplitKey(text);
  if (!key) return Expected(text, "NAME=TARGET[:NOTE]");
  const auto pieces = SplitColons(key->second, 2);
  guarantee.set_name(key->first);
  guarantee.set_target(pieces[0]);
  guarantee.set_note(pieces[1]);
  return absl::OkStatus();
}

std::string FormatGuarantee(const off::OperationalGuarantee& guarantee) {
  return JoinColons({absl::StrCat(guarantee.name(), "=", guarantee.target()), guarantee.note()});
}

absl::Status ParseMetric(absl::string_view text, aln::LocalMetric& metric) {
  auto key = SplitKey(text);
  if (!key) {
    if (text.empty() || text.find('=') != absl::string_view::npos) {
      return Expected(text, "NAME=[DIMENSION][:NOTE]");
    }
    metric.set_name(std::string(text));
    return absl::OkStatus();
  }
  const auto pieces = SplitColons(key->second, 2);
  metric.set_name(key->first);
  metric.set_dimension(pieces[0]);
  metric.set_note(pieces[1]);
  return absl::OkStatus();
}

std::string FormatMetric(const aln::LocalMetric& metric) {
  if (metric.dimension().empty() && metric.note().empty()) return metric.name();
  return JoinColons({absl::StrCat(metric.name(), "=", metric.dimension()), metric.note()});
}

absl::Status ParseAlternative(absl::string_view text, off::Alternative& alternative) {
  const auto pieces = SplitColons(text, 2);
  if (pieces[0].empty()) return Expected(text, "DESCRIPTION[:WHY_NOT]");
  alternative.set_description(pieces[0]);
  alternative.set_why_not(pieces[1]);
  return absl::OkStatus();
}

std::string FormatAlternative(const off::Alternative& alternative) {
  return JoinColons({alternative.description(), alternative.why_not()});
}

// Adapts typed parse and format functions to any message of type T.
template <typename T>
TextForm FormOf(std::string syntax, absl::Status (*parse)(absl::string_view, T&),
                std::string (*format)(const T&)) {
  return TextForm{
      std::move(syntax),
      [parse](absl::string_view text, Message& item) { return parse(text, static_cast<T&>(item)); },
      [format](const Message& item) { return format(static_cast<const T&>(item)); }};
}

const std::map<std::string, TextForm>& TextForms() {
  static const auto* forms = new std::map<std::string, TextForm>{
      {type::v1::Need::descriptor()->full_name(),
       FormOf<type::v1::Need>("DIMENSION=IMPORTANCE[:NOTE]", ParseNeed, FormatNeed)},
      {off::Effect::descriptor()->full_name(),
       FormOf<off::Effect>("DIMENSION=SUPPORTS|WEAKENS:STRENGTH", ParseEffect, FormatEffect)},
      {off::Knob::descriptor()->full_name(),
       FormOf<off::Knob>("KEY=EXPOSURE[:DEFAULT[:DIMENSION]]", ParseKnob, FormatKnob)},
      {off::OperationalGuarantee::descriptor()->full_name(),
       FormOf<off::OperationalGuarantee>("NAME=TARGET[:NOTE]", ParseGuarantee, FormatGuarantee)},
      {aln::LocalMetric::descriptor()->full_name(),
       FormOf<aln::LocalMetric>("NAME=[DIMENSION][:NOTE]", ParseMetric, FormatMetric)},
      {off::Alternative::descriptor()->full_name(),
       FormOf<off::Alternative>("DESCRIPTION[:WHY_NOT]", ParseAlternative, FormatAlternative)},
  };
  return *forms;
}

const TextForm* FindTextForm(const google::protobuf::Descriptor& type) {
  auto it = TextForms().find(type.full_name());
  return it == TextForms().end() ? nullptr : &it->second;
}

}  // namespace

absl::StatusOr<int> ParseEnum(const google::protobuf::EnumDescriptor& type,
                              absl::string_view text) {
  const std::string wanted = absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}}));
  const auto* value = type.FindValueByName(wanted);
  if (value == nullptr || value->number() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not one of ", EnumChoices(type)));
  }
  return value->number();
}

std::string EnumChoices(const google::protobuf::EnumDescriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() != 0) names.push_back(type.value(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

bool HasTextForm(const google::protobuf::Descriptor& type) { return FindTextForm(type) != nullptr; }

std::string TextFormSyntax(const google::protobuf::Descriptor& type) {
  const TextForm* form = FindTextForm(type);
  return form == nullptr ? "" : form->syntax;
}

absl::Status ParseTextForm(absl::string_view text, google::protobuf::Message& item) {
  const TextForm* form = FindTextForm(*item.GetDescriptor());
  if (form == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(item.GetDescriptor()->name(), " has no text form; use --json"));
  }
  return form->parse(text, item);
}

std::optional<std::string> FormatTextForm(const google::protobuf::Message& item) {
  const TextForm* form = FindTextForm(*item.GetDescriptor());
  if (form == nullptr) return std::nullopt;
  return form->format(item);
}

}  // namespace throughline::cli
