#include "fuzz_support.h"

#include <cstdio>
#include <cstdlib>

namespace sluice::fuzz {
namespace {

constexpr std::string_view kRealistic =
    R"({"req.method":"GET","req.url":"/assets/img/logo.v2.png?w=200&h=100&q=80",)"
    R"("req.proto":"HTTP/1.1","req.http.Host":"www.example.com",)"
    R"("req.http.Fastly-Client-IP":"203.0.113.42","client.ip":"192.0.2.7",)"
    R"("req.http.User-Agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",)"
    R"("req.http.Referer":"https://www.example.com/products/index.html?ref=\"home\"",)"
    R"("req.http.Accept-Language":"en-GB,en;q=0.9,fr;q=0.8",)"
    R"("req.http.Cookie":"session=abc123; theme=dark; lang=\"en\"",)"
    R"("req.http.Cache-Control":"max-age=60, no-transform, s-maxage=\"120\"",)"
    R"("resp.http.Content-Type":"image/png","resp.http.Content-Length":"5120",)"
    R"("resp.status":200,"resp.response":"OK","resp.body_bytes_written":5120,)"
    R"("resp.bytes_written":5480,"req.bytes_read":412,)"
    R"("time.start":"2026-11-21T08:00:00.123456Z","time.elapsed.usec":1834,)"
    R"("server.datacenter":"NRT","server.identity":"cache-nrt1234","server.ip":"198.51.100.1",)"
    R"("fastly_info.state":"HIT","fastly.ff.visits_this_service":0,)"
    R"("client.geo.country_name":"Japan","client.geo.latitude":35.69,)"
    R"("tls.client.protocol":"TLSv1.3","fastly_info.is_h2":true,)"
    R"("geo":{"city":"Tokyo","asn":2516},"obj.hits":[1,2,3],"req.http.X-Note":"caf\u00e9 \ud83d\ude00 tab\tend"})";

constexpr std::string_view kSparse =
    R"({"req.url":"noslash","time.start.sec":1795248000,"resp.status":"404"})";

constexpr std::string_view kTyped =
    R"({"req.method":"POST","req.request":"PURGE","req.url":"/a/b/c.tar.gz?x",)"
    R"("time.start":1795248000.25,"time.end":"2026-11-21T08:00:01+09:00",)"
    R"("time.elapsed":0.75,"resp.status":"503","resp.body_bytes_written":"0",)"
    R"("fastly.ff.visits_this_service":"1","req.http.host":"",)"
    R"("req.http.cookie":"a=1;b;c=\"q\"","fastly_info.is_h2":false,"obj.ttl":-3.5,)"
    R"("now":"2026-11-21T08:00:05Z"})";

Record decode_or_die(std::string_view json, const char* name) {
  RecordDecoder decoder;
  Record record;
  if (Status st = decoder.decode(json, record); !st) {
    std::fprintf(stderr, "fuzz_support: the %s record does not decode: %s\n", name,
                 st.error().message().c_str());
    std::abort();
  }
  return record;
}

}  // namespace

const Record& realistic_record() {
  static const Record r = decode_or_die(kRealistic, "realistic");
  return r;
}

const Record& sparse_record() {
  static const Record r = decode_or_die(kSparse, "sparse");
  return r;
}

const Record& typed_record() {
  static const Record r = decode_or_die(kTyped, "typed");
  return r;
}

EvalContext& shared_context() {
  static EvalContext* ctx = [] {
    auto* c = new EvalContext;
    c->now_usec = 1795248000123456;  // 2026-11-21T08:00:00.123456Z
    c->random.seed(42);
    return c;
  }();
  return *ctx;
}

}  // namespace sluice::fuzz

// The fuzz preset compiles UBSan checks as recoverable; make every report fatal so that libFuzzer
// keeps the input, and print where it happened.
extern "C" const char* __ubsan_default_options() {  // NOLINT: sanitizer hook
  return "halt_on_error=1:print_stacktrace=1:print_summary=1";
}
