// Micro benchmarks of the per-event hot path: decode a request record, test a condition, render
// a format. Every benchmark reuses its buffers (RecordDecoder, Record, EvalContext, LineBuffer)
// from iteration to iteration, as an event loop does from event to event, so the figures are the
// steady state: no allocation per event.
//
// Targets (DESIGN "Concurrency and the hot path", one core): rendering the 004 JSON format at
// 3 million lines/s or more, decode + render at 1 million records/s or more.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "bench_inputs.h"
#include "core/record.h"
#include "core/record_decoder.h"
#include "format/condition.h"
#include "format/eval_context.h"
#include "format/line_renderer.h"
#include "format/log_format.h"

namespace sluice {
namespace {

using bench::kJson004;
using bench::kRecord;

constexpr std::string_view kClf = R"(%h %l %u %t "%r" %>s %b)";

constexpr std::string_view kConditions[] = {
    R"(resp.status >= 400 && req.http.host ~ "example")",
    R"(fastly.ff.visits_this_service == 0)",
};

[[noreturn]] void die(std::string_view what, const std::string& message) {
  std::fprintf(stderr, "sluice_bench: %.*s: %s\n", int(what.size()), what.data(), message.c_str());
  std::abort();
}

LogFormat compile_format(std::string_view text) {
  auto f = LogFormat::compile(text);
  if (!f) die(text, f.error().message());
  return std::move(*f);
}

void decode_into(std::string_view json, RecordDecoder& decoder, Record& record) {
  if (Status st = decoder.decode(json, record); !st) die("decode", st.error().message());
}

// Checks once, outside the timed loop, that the format renders what the benchmark claims to
// measure (a JSON line with no "(null)"), so a regression cannot make the benchmark fast by
// rendering nothing.
void check_line(std::string_view name, const LineBuffer& out, bool expect_json) {
  std::string_view line(out.data(), out.size());
  if (line.empty() || line.find("(null)") != std::string_view::npos ||
      (expect_json && (line.front() != '{' || line.back() != '}'))) {
    die(name, fmt::format("unexpected line: {}", line));
  }
}

// Renders one decoded record over and over: the cost of one endpoint's format, decode excluded.
void render_loop(benchmark::State& state, std::string_view format_text, bool expect_json) {
  RecordDecoder decoder;
  Record record;
  decode_into(kRecord, decoder, record);
  LineRenderer renderer(compile_format(format_text), std::nullopt);
  EvalContext ctx;
  LineBuffer out;
  renderer.render(record, ctx, out);
  check_line(format_text, out, expect_json);

  size_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    renderer.render(record, ctx, out);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.SetBytesProcessed(int64_t(bytes));  // bytes of output
  state.counters["line_bytes"] = double(out.size());
}

void BM_RenderClf(benchmark::State& state) {
  render_loop(state, kClf, false);
}
BENCHMARK(BM_RenderClf);

void BM_RenderJson004(benchmark::State& state) {
  render_loop(state, kJson004, true);
}
BENCHMARK(BM_RenderJson004);

// The same format over 1024 records that differ in their second, URL and status, so the
// per-thread strftime cache misses on every line: the worst case for the timestamp field.
void BM_RenderJson004DistinctSeconds(benchmark::State& state) {
  constexpr size_t kCount = 1024;
  RecordDecoder decoder;
  std::vector<Record> records(kCount);
  for (size_t i = 0; i < kCount; ++i) {
    std::string json(kRecord);
    auto replace = [&json](std::string_view from, const std::string& to) {
      size_t at = json.find(from);
      if (at == std::string::npos) die("replace", std::string(from));
      json.replace(at, from.size(), to);
    };
    replace("08:00:00Z", fmt::format("{:02}:{:02}:{:02}Z", 8 + i / 3600, i / 60 % 60, i % 60));
    replace("main.4f2a9c.js", fmt::format("chunk-{}.js", i));
    replace(R"("resp.status":200)", fmt::format(R"("resp.status":{})", i % 7 == 0 ? 404 : 200));
    decode_into(json, decoder, records[i]);  // each record keeps its own copy of the text
  }
  LineRenderer renderer(compile_format(kJson004), std::nullopt);
  EvalContext ctx;
  LineBuffer out;
  renderer.render(records[0], ctx, out);
  check_line("json004 distinct", out, true);

  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    out.clear();
    renderer.render(records[i], ctx, out);
    i = (i + 1) % kCount;
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.SetBytesProcessed(int64_t(bytes));
}
BENCHMARK(BM_RenderJson004DistinctSeconds);

// Arg 0: resp.status >= 400 && req.http.host ~ "example" (false at the first test for a 200).
// Arg 1: fastly.ff.visits_this_service == 0 (true).
// Arg 2: the first condition on a 503, so the regex runs too.
void BM_Condition(benchmark::State& state) {
  size_t which = size_t(state.range(0));
  std::string json(kRecord);
  if (which == 2) json.replace(json.find(R"("resp.status":200)"), 17, R"("resp.status":503)");
  RecordDecoder decoder;
  Record record;
  decode_into(json, decoder, record);
  auto condition = Condition::compile(kConditions[which == 1 ? 1 : 0]);
  if (!condition) die("condition", condition.error().message());
  EvalContext ctx;
  bool expected = which != 0;
  if (condition->matches(record, ctx) != expected) die("condition", "unexpected result");
  state.SetLabel(condition->source() + (which == 2 ? " (status 503)" : ""));

  for (auto _ : state) {
    bool m = condition->matches(record, ctx);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_Condition)->Arg(0)->Arg(1)->Arg(2);

void BM_Decode(benchmark::State& state) {
  RecordDecoder decoder;
  Record record;
  decode_into(kRecord, decoder, record);
  for (auto _ : state) {
    Status st = decoder.decode(kRecord, record);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(record.fields().data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.SetBytesProcessed(int64_t(state.iterations() * kRecord.size()));  // bytes of input
  state.counters["record_bytes"] = double(kRecord.size());
  state.counters["fields"] = double(record.fields().size());
}
BENCHMARK(BM_Decode);

// Decode then render the 004 format: what one event costs an endpoint end to end on its loop.
void BM_DecodeAndRender(benchmark::State& state) {
  RecordDecoder decoder;
  Record record;
  LineRenderer renderer(compile_format(kJson004), std::nullopt);
  EvalContext ctx;
  LineBuffer out;
  decode_into(kRecord, decoder, record);
  renderer.render(record, ctx, out);
  check_line("decode+render", out, true);

  for (auto _ : state) {
    out.clear();
    Status st = decoder.decode(kRecord, record);
    benchmark::DoNotOptimize(st);
    renderer.render(record, ctx, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.SetBytesProcessed(int64_t(state.iterations() * kRecord.size()));  // bytes of input
  state.counters["record_bytes"] = double(kRecord.size());
}
BENCHMARK(BM_DecodeAndRender);

}  // namespace
}  // namespace sluice
