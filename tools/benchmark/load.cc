#include "tools/benchmark/load.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace throughline::benchmark {
namespace {

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// What the calls report, shared by the callbacks of every call.
class Recorder {
 public:
  Recorder(absl::Time measure_from, absl::Time end) : measure_from_(measure_from), end_(end) {}

  bool Measured(absl::Time t) const { return t >= measure_from_ && t < end_; }

  void Started() {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }

  // Returns the calls in flight after this one.
  int Finished(bool measured, const grpc::Status& status, absl::Duration latency) {
    absl::MutexLock lock(&mu_);
    if (measured) {
      if (status.ok()) {
        latencies_.push_back(latency);
      } else {
        ++errors_;
        ++error_codes_[CodeName(status.error_code())];
      }
    }
    return --in_flight_;
  }

  // Open loop: counts a call that was not sent; false when it may be sent.
  bool DropIfFull(bool measured, int max_in_flight) {
    absl::MutexLock lock(&mu_);
    if (in_flight_ < max_in_flight) {
      ++in_flight_;
      return false;
    }
    if (measured) {
      ++dropped_;
      ++errors_;
      ++error_codes_["DROPPED"];
    }
    return true;
  }

  void AwaitIdle() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
  }

  void Fill(LoadReport& report, std::vector<absl::Duration>* latencies) {
    absl::MutexLock lock(&mu_);
    if (latencies != nullptr)
      latencies->insert(latencies->end(), latencies_.begin(), latencies_.end());
    report.ops = static_cast<int64_t>(latencies_.size());
    report.errors = errors_;
    report.dropped = dropped_;
    report.error_codes = error_codes_;
    report.latency = Summarize(latencies_);
  }

 private:
  const absl::Time measure_from_;
  const absl::Time end_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::Duration> latencies_ ABSL_GUARDED_BY(mu_);
  int64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> error_codes_ ABSL_GUARDED_BY(mu_);
};

// /proc counts processor time in ticks of this many per second.
double TicksPerSecond() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

// Core-seconds since boot, from the first line of /proc/stat.
struct CpuTimes {
  double busy = 0;
  double steal = 0;
};

std::optional<CpuTimes> ReadCpuTimes() {
  std::ifstream stat("/proc/stat");
  std::string label;
  uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
  if (!(stat >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      label != "cpu") {
    return std::nullopt;
  }
  const double ticks_per_second = TicksPerSecond();
  return CpuTimes{
      .busy = static_cast<double>(user + nice + system + irq + softirq) / ticks_per_second,
      .steal = static_cast<double>(steal) / ticks_per_second};
}

// Every process's name and core-seconds of user and system time since it started, by pid.
using ProcessTimes = std::map<int, std::pair<std::string, double>>;

ProcessTimes ReadProcessTimes() {
  ProcessTimes times;
  const double ticks_per_second = TicksPerSecond();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    int pid;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // the process ended meanwhile
    // "<pid> (<name>) <state> <ppid> ...": the name may hold spaces and parentheses, so it
    // ends at the last ')'. After it, fields 3 to 13, then utime and stime (proc(5)).
    const size_t open = line.find('(');
    const size_t close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    std::istringstream fields(line.substr(close + 1));
    std::string skipped;
    for (int field = 3; field <= 13; ++field) fields >> skipped;
    uint64_t utime, stime;
    if (!(fields >> utime >> stime)) continue;
    times[pid] = {line.substr(open + 1, close - open - 1),
                  static_cast<double>(utime + stime) / ticks_per_second};
  }
  return times;
}

// The machine's CPU times between two instants, and each process's, sampled at each on a
// thread of its own (the load's threads are busy sending). The machine's window lies between
// the two scans of every process, so their few milliseconds are not counted as the load's.
class CpuWindow {
 public:
  CpuWindow(absl::Time from, absl::Time to)
      : sampler_([this, from, to] {
          absl::SleepFor(from - absl::Now());
          processes_at_start_ = ReadProcessTimes();
          start_ = ReadCpuTimes();
          absl::SleepFor(to - absl::Now());
          end_ = ReadCpuTimes();
          processes_at_end_ = ReadProcessTimes();
        }) {}

  // Waits for the second sample; zeros when /proc/stat could not be read.
  CpuTimes Finish() {
    sampler_.join();
    if (!start_ || !end_) return {};
    return CpuTimes{.busy = end_->busy - start_->busy, .steal = end_->steal - start_->steal};
  }

  // After Finish: the processes' time in the window, by name.
  std::map<std::string, double> ByProcess() const {
    std::map<std::string, double> by_name;
    for (const auto& [pid, process] : processes_at_end_) {
      const auto& [name, seconds] = process;
      // A pid seen at the start is the same process: ten seconds are too short for pids to
      // wrap around, and a process may rename itself (the kernel's workers do, per work item).
      auto before = processes_at_start_.find(pid);
      const double used =
          seconds - (before != processes_at_start_.end() ? before->second.second : 0);
      if (used > 0) by_name[name] += used;
    }
    return by_name;
  }

 private:
  std::optional<CpuTimes> start_;
  std::optional<CpuTimes> end_;
  ProcessTimes processes_at_start_;
  ProcessTimes processes_at_end_;
  std::thread sampler_;  // last: starts once the samples above exist
};

// The figures derived from the counts: calls per second and busy CPU per call.
void DeriveRates(LoadReport& report) {
  if (report.seconds > 0) report.throughput = static_cast<double>(report.ops) / report.seconds;
  if (report.ops > 0) {
    report.cpu_us_per_call = report.cpu_busy_seconds * 1e6 / static_cast<double>(report.ops);
  }
}

// Closed loop: every completion before the end starts the next call. A call is measured when
// it completes inside the window; its latency runs from its actual start.
void RunClosed(const LoadOptions& options, const StartCall& start, absl::Time end,
               Recorder& recorder) {
  // The next call is counted in flight before the finished one leaves, so that the count only
  // reaches zero once no callback will launch again (this frame must outlive them all).
  std::function<void()> launch = [&] {
    const absl::Time started = absl::Now();
    start(started, [&, started](const grpc::Status& status) {
      const absl::Time now = absl::Now();
      const bool again = now < end;
      if (again) recorder.Started();
      recorder.Finished(recorder.Measured(now), status, now - started);
      if (again) launch();
    });
  };
  for (int i = 0; i < options.concurrency; ++i) {
    recorder.Started();
    launch();
  }
  absl::SleepFor(end - absl::Now());
  recorder.AwaitIdle();
}

// Open loop: call i is meant to start at begin + i / rate. The pacer sends it then, or at once
// when it is late; its latency runs from the intended start, so a slow server shows as latency
// rather than as fewer requests. A call is measured when its intended start is in the window.
void RunOpen(const LoadOptions& options, const StartCall& start, absl::Time begin, absl::Time end,
             Recorder& recorder) {
  const absl::Duration interval = absl::Seconds(1.0 / options.rate);
  for (int64_t i = 0;; ++i) {
    const absl::Time intended = begin + interval * i;
    if (intended >= end) break;
    const absl::Duration wait = intended - absl::Now();
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    const bool measured = recorder.Measured(intended);
    if (recorder.DropIfFull(measured, options.max_in_flight)) continue;
    start(intended, [&recorder, intended, measured](const grpc::Status& status) {
      recorder.Finished(measured, status, absl::Now() - intended);
    });
  }
}

}  // namespace

LatencySummary Summarize(std::vector<absl::Duration>& latencies) {
  LatencySummary summary;
  summary.count = static_cast<int64_t>(latencies.size());
  if (latencies.empty()) return summary;
  std::sort(latencies.begin(), latencies.end());
  const auto rank = [&](double p) {
    const size_t n = latencies.size();
    size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(n)));
    index = std::clamp<size_t>(index, 1, n) - 1;
    return Ms(latencies[index]);
  };
  absl::Duration total;
  for (absl::Duration d : latencies) total += d;
  summary.mean_ms = Ms(total) / static_cast<double>(latencies.size());
  summary.p50_ms = rank(0.50);
  summary.p90_ms = rank(0.90);
  summary.p99_ms = rank(0.99);
  summary.p999_ms = rank(0.999);
  summary.max_ms = Ms(latencies.back());
  return summary;
}

LoadReport RunLoad(const LoadOptions& options, const StartCall& start,
                   std::vector<absl::Duration>* latencies) {
  const absl::Time begin = absl::Now();
  const absl::Time measure_from = begin + options.warmup;
  const absl::Time end = measure_from + options.duration;
  Recorder recorder(measure_from, end);
  CpuWindow cpu(measure_from, end);
  LoadReport report;
  if (options.rate > 0) {
    report.mode = "open";
    report.rate = options.rate;
    RunOpen(options, start, begin, end, recorder);
  } else {
    report.mode = "closed";
    report.concurrency = options.concurrency;
    RunClosed(options, start, end, recorder);
  }
  recorder.AwaitIdle();
  recorder.Fill(report, latencies);
  report.seconds = absl::ToDoubleSeconds(options.duration);
  const CpuTimes used = cpu.Finish();
  report.cpu_busy_seconds = used.busy;
  report.cpu_steal_seconds = used.steal;
  report.cpu_seconds_by_process = cpu.ByProcess();
  DeriveRates(report);
  return report;
}

namespace {

// The rounds of one side as one report: their calls, errors and seconds added up, the
// percentiles of all their latencies.
LoadReport Combine(const std::vector<LoadReport>& parts, std::vector<absl::Duration>& latencies) {
  LoadReport combined;
  for (const LoadReport& part : parts) {
    combined.mode = part.mode;
    combined.concurrency = part.concurrency;
    combined.rate = part.rate;
    combined.seconds += part.seconds;
    combined.ops += part.ops;
    combined.errors += part.errors;
    combined.dropped += part.dropped;
    for (const auto& [code, count] : part.error_codes) combined.error_codes[code] += count;
    combined.cpu_busy_seconds += part.cpu_busy_seconds;
    combined.cpu_steal_seconds += part.cpu_steal_seconds;
    for (const auto& [name, seconds] : part.cpu_seconds_by_process) {
      combined.cpu_seconds_by_process[name] += seconds;
    }
  }
  DeriveRates(combined);
  combined.latency = Summarize(latencies);
  return combined;
}

// The median of one figure of the rounds.
double Median(const std::vector<Round>& rounds, double Round::*figure) {
  std::vector<double> values;
  for (const Round& round : rounds) values.push_back(round.*figure);
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

}  // namespace

AlternatingReport RunAlternating(const LoadOptions& options, int rounds, const StartCall& target,
                                 const StartCall& baseline) {
  rounds = std::max(rounds, 1);
  LoadOptions round_options = options;
  round_options.duration = options.duration / rounds;
  std::vector<LoadReport> target_parts;
  std::vector<LoadReport> baseline_parts;
  std::vector<absl::Duration> target_latencies;
  std::vector<absl::Duration> baseline_latencies;
  AlternatingReport report;
  for (int i = 0; i < rounds; ++i) {
    auto run_baseline = [&] {
      baseline_parts.push_back(RunLoad(round_options, baseline, &baseline_latencies));
    };
    auto run_target = [&] {
      target_parts.push_back(RunLoad(round_options, target, &target_latencies));
    };
    if (i % 2 == 0) {
      run_baseline();
      run_target();
    } else {
      run_target();
      run_baseline();
    }
    Round round{.target_throughput = target_parts.back().throughput,
                .baseline_throughput = baseline_parts.back().throughput};
    if (round.baseline_throughput > 0) {
      round.ratio = round.target_throughput / round.baseline_throughput;
    }
    if (target_parts.back().cpu_us_per_call > 0) {
      round.cost_ratio =
          baseline_parts.back().cpu_us_per_call / target_parts.back().cpu_us_per_call;
    }
    report.rounds.push_back(round);
  }
  report.target = Combine(target_parts, target_latencies);
  report.baseline = Combine(baseline_parts, baseline_latencies);
  report.ratio = Median(report.rounds, &Round::ratio);
  report.cost_ratio = Median(report.rounds, &Round::cost_ratio);
  return report;
}

std::string ToJson(const LatencySummary& latency) {
  return absl::StrFormat(R"({"count":%d,"mean_ms":%.3f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,)"
                         R"("p999_ms":%.3f,"max_ms":%.3f})",
                         latency.count, latency.mean_ms, latency.p50_ms, latency.p90_ms,
                         latency.p99_ms, latency.p999_ms, latency.max_ms);
}

std::string ToJson(const LoadReport& report) {
  std::string codes;
  for (const auto& [code, count] : report.error_codes) {
    absl::StrAppend(&codes, codes.empty() ? "" : ",", "\"", code, "\":", count);
  }
  // Microseconds per successful call, for the processes that used at least 10 ms of CPU (the
  // kernel's threads and idle tools would only add noise).
  std::string by_process;
  for (const auto& [name, seconds] : report.cpu_seconds_by_process) {
    if (seconds < 0.01 || report.ops == 0) continue;
    std::string key = name;  // a process may name itself anything; JSON gets a plain key
    for (char& c : key) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
          std::string_view("-_.:/ ").find(c) == std::string_view::npos) {
        c = '_';
      }
    }
    absl::StrAppend(
        &by_process, by_process.empty() ? "" : ",",
        absl::StrFormat(R"("%s":%.1f)", key, seconds * 1e6 / static_cast<double>(report.ops)));
  }
  return absl::StrFormat(
      R"({"mode":"%s","concurrency":%d,"rate":%.1f,"seconds":%.3f,"ops":%d,"errors":%d,)"
      R"("dropped":%d,"error_codes":{%s},"throughput":%.1f,"latency":%s,)"
      R"("cpu_busy_seconds":%.2f,"cpu_steal_seconds":%.2f,"cpu_us_per_call":%.1f,)"
      R"("cpu_us_per_call_by_process":{%s}})",
      report.mode, report.concurrency, report.rate, report.seconds, report.ops, report.errors,
      report.dropped, codes, report.throughput, ToJson(report.latency), report.cpu_busy_seconds,
      report.cpu_steal_seconds, report.cpu_us_per_call, by_process);
}

std::string ToJson(const AlternatingReport& report) {
  std::string rounds;
  for (const Round& round : report.rounds) {
    absl::StrAppend(
        &rounds, rounds.empty() ? "" : ",",
        absl::StrFormat(R"({"target":%.1f,"baseline":%.1f,"ratio":%.4f,"cost_ratio":%.4f})",
                        round.target_throughput, round.baseline_throughput, round.ratio,
                        round.cost_ratio));
  }
  return absl::StrFormat(
      R"({"target":%s,"baseline":%s,"rounds":[%s],"ratio":%.4f,"cost_ratio":%.4f})",
      ToJson(report.target), ToJson(report.baseline), rounds, report.ratio, report.cost_ratio);
}

std::string ToText(const AlternatingReport& report) {
  std::string ratios;
  for (const Round& round : report.rounds) {
    absl::StrAppend(&ratios, ratios.empty() ? "" : " ",
                    absl::StrFormat("%.0f%%", round.ratio * 100));
  }
  return absl::StrFormat(
      "median ratio %.0f%% over %d alternating rounds (%s), median cost ratio %.0f%%\n"
      "  target: %s\n  baseline: %s",
      report.ratio * 100, report.rounds.size(), ratios, report.cost_ratio * 100,
      ToText(report.target), ToText(report.baseline));
}

std::string ToText(const LoadReport& report) {
  std::string load = report.mode == "open" ? absl::StrFormat("rate %.0f/s", report.rate)
                                           : absl::StrFormat("concurrency %d", report.concurrency);
  std::string text = absl::StrFormat(
      "%s, %.1fs: %d ok (%.1f/s), %d errors; latency ms p50 %.2f p90 %.2f p99 %.2f "
      "p99.9 %.2f max %.2f",
      load, report.seconds, report.ops, report.throughput, report.errors, report.latency.p50_ms,
      report.latency.p90_ms, report.latency.p99_ms, report.latency.p999_ms, report.latency.max_ms);
  if (report.cpu_busy_seconds > 0) {
    absl::StrAppendFormat(
        &text, "; CPU %.0f us per call, %.0f%% of the window stolen", report.cpu_us_per_call,
        100 * report.cpu_steal_seconds /
            (report.seconds * static_cast<double>(std::thread::hardware_concurrency())));
  }
  for (const auto& [code, count] : report.error_codes) {
    absl::StrAppend(&text, " ", code, "=", count);
  }
  return text;
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

}  // namespace throughline::benchmark
