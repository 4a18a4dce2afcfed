// A fixed number of renders (r), decodes (d) or both (b) of sluice_bench's 600-byte record and
// 004 JSON format, for instruction counts under callgrind, which, unlike wall-clock time, do not
// drift on a shared machine. Benchmark's own loop picks its iteration count by time, so its
// totals under callgrind cannot be divided by a known count; this loop can. The record and the
// format are sluice_bench.cc's, from bench_inputs.h.
//
//   bench/count_instructions.sh [BINARY_DIR]   instructions per line, from two runs' difference

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include "bench_inputs.h"
#include "core/record.h"
#include "core/record_decoder.h"
#include "format/eval_context.h"
#include "format/line_renderer.h"
#include "format/log_format.h"
using namespace sluice;

namespace {
using bench::kJson004;
using bench::kRecord;
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: render_count r|d|b ITERATIONS\n");
    return 2;
  }
  char mode = argv[1][0];
  long n = std::atol(argv[2]);
  RecordDecoder decoder;
  Record record;
  if (!decoder.decode(kRecord, record)) return 1;
  auto fmtc = LogFormat::compile(kJson004);
  LineRenderer renderer(std::move(*fmtc), std::nullopt);
  EvalContext ctx;
  LineBuffer out;
  renderer.render(record, ctx, out);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::puts("");
  size_t total = 0;
  for (long i = 0; i < n; ++i) {
    out.clear();
    if (mode != 'r') {
      if (!decoder.decode(kRecord, record)) return 1;
    }
    if (mode != 'd') renderer.render(record, ctx, out);
    total += out.size();
  }
  std::printf("%zu\n", total);
}
