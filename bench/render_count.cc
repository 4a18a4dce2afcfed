// A fixed number of renders (r), decodes (d) or both (b) of sluice_bench's 600-byte record and
// 004 JSON format, for instruction counts under callgrind, which, unlike wall-clock time, do not
// drift on a shared machine. Benchmark's own loop picks its iteration count by time, so its
// totals under callgrind cannot be divided by a known count; this loop can. The record and the
// format are sluice_bench.cc's (kRecord, kJson004): keep the two in step.
//
//   bench/count_instructions.sh [BINARY_DIR]   instructions per line, from two runs' difference

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include "core/record.h"
#include "core/record_decoder.h"
#include "format/eval_context.h"
#include "format/line_renderer.h"
#include "format/log_format.h"
using namespace sluice;

namespace {
constexpr std::string_view kRecord =
    R"({"req.method":"GET","req.url":"/assets/app/main.4f2a9c.js?v=2",)"
    R"("req.proto":"HTTP/1.1","req.http.Host":"www.example.com",)"
    R"("req.http.Fastly-Client-IP":"192.0.2.7","client.ip":"192.0.2.7",)"
    R"("req.http.User-Agent":"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 )"
    R"(Firefox/120.0","req.http.Referer":"https://www.example.com/shoes?page=2",)"
    R"("req.http.Accept-Language":"en-GB,en;q=0.9","req.http.Cache-Control":"no-cache",)"
    R"("resp.status":200,"resp.response":"OK","resp.body_bytes_written":48213,)"
    R"("time.start":"2026-11-21T08:00:00Z","time.elapsed.usec":1834,)"
    R"("server.identity":"cache-nrt1234",)"
    R"("client.geo.country_name":"Japan","fastly_info.state":"HIT",)"
    R"("fastly.ff.visits_this_service":0})";
constexpr std::string_view kJson004 =
    R"({"timestamp": "%{strftime(\{"%Y-%m-%dT%H:%M:%S%z"\}, time.start)}V",)"
    R"("client_ip": "%{req.http.Fastly-Client-IP}V",)"
    R"("geo_country": "%{client.geo.country_name}V",)"
    R"("url": "%{json.escape(req.url)}V",)"
    R"("request_referer": "%{json.escape(req.http.referer)}V",)"
    R"("request_user_agent": "%{json.escape(req.http.User-Agent)}V",)"
    R"("fastly_is_edge": %{if(fastly.ff.visits_this_service == 0, "true", "false")}V,)"
    R"("response_state": "%{json.escape(fastly_info.state)}V",)"
    R"("response_status": %{resp.status}V,)"
    R"("response_reason": %{if(resp.response, "%22"+json.escape(resp.response)+"%22", "null")}V,)"
    R"("response_body_size": %{resp.body_bytes_written}V,)"
    R"("request_method": "%{json.escape(req.method)}V",)"
    R"("request_protocol": "%{json.escape(req.proto)}V",)"
    R"("fastly_server": "%{json.escape(server.identity)}V",)"
    R"("host": "%{if(req.http.Fastly-Orig-Host, req.http.Fastly-Orig-Host, req.http.Host)}V"})";
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
