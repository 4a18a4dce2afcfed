// libFuzzer target: RecordDecoder::decode on arbitrary bytes, as a source hands it a line. When
// the record decodes, every field is read back and a format that touches many variables (raw,
// derived such as time.end and req.url.ext, and the Apache directives) renders against it, and a
// few conditions run on it.
//
// The decoder, the record and the buffers persist across inputs, as they do on an event loop,
// so reuse bugs (stale index slots, a store that is too small after a shorter record) show up.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "core/line_rules.h"
#include "core/record_decoder.h"
#include "format/condition.h"
#include "format/log_format.h"
#include "fuzz_support.h"

namespace sluice::fuzz {
namespace {

constexpr std::string_view kFormat =
    R"(%h %a %A %l %u %t %{begin:%Y-%m-%dT%H:%M:%S}t %{end:%s}t %{msec}t %{end:usec_frac}t )"
    R"("%r" %>s %b %B %D %T %f %U%q %H %m %I %O %p %v %{User-Agent}i %{Content-Type}o )"
    R"(%{session}C | %{time.start}V %{time.start.sec}V %{time.start.msec_frac}V %{time.end}V )"
    R"(%{time.end.usec}V %{time.end.msec_frac}V %{time.elapsed}V %{time.elapsed.msec}V )"
    R"(%{time.elapsed.usec_frac}V %{now}V %{req.url.path}V %{req.url.qs}V %{req.url.ext}V )"
    R"(%{req.url.basename}V %{req.url.dirname}V %{req.request}V %{req.method}V )"
    R"(%{resp.status}V %{client.geo.latitude}V %{fastly_info.is_h2}V %{geo}V )"
    R"(%{json.escape(req.http.User-Agent)}V %{req.http.Cache-Control:max-age}V )"
    R"(%{strftime(\{"%Y-%m-%dT%H:%M:%S%z"\}, time.start)}V %{strftime({"%a %s"}, time.end)}V )"
    R"(%{if(fastly.ff.visits_this_service == 0, "true", "false")}V )"
    R"(%{if(resp.response, "%22"+json.escape(resp.response)+"%22", "null")}V )"
    R"(%{std.atoi(req.http.Content-Length) + std.strlen(req.url)}V %{substr(req.url, 1, 4)}V )"
    R"(%{regsuball(req.url, "[^a-z]", "_")}V %{urlencode(urldecode(req.url))}V )"
    R"(%{std.tolower(req.http.host)}V %{subfield(req.http.cookie, "a", ";")}V )"
    R"(%{cstr_escape(req.http.Referer)}V %{xml_escape(req.url)}V)";

constexpr std::string_view kConditions[] = {
    R"(resp.status >= 400 && req.http.host ~ "example")",
    R"(fastly.ff.visits_this_service == 0 || !req.url.ext)",
    R"(time.elapsed.usec > 1000 && std.prefixof(req.url, "/a") && time.end > time.start)",
    R"(req.url.basename ~ "(?i)\.PNG$" || std.suffixof(req.http.host, ".com"))",
};

struct Compiled {
  LogFormat v2;
  LogFormat v1;
  std::vector<Condition> conditions;
};

LogFormat must_compile(std::string_view text, FormatVersion version) {
  auto f = LogFormat::compile(text, version);
  if (!f) {
    std::fprintf(stderr, "record_decoder_fuzz: format does not compile: %s\n",
                 f.error().message().c_str());
    std::abort();
  }
  return std::move(*f);
}

const Compiled& compiled() {
  static const Compiled* c = [] {
    auto* out = new Compiled{
        must_compile(kFormat, FormatVersion::kV2), must_compile(kFormat, FormatVersion::kV1), {}};
    for (std::string_view text : kConditions) {
      auto cond = Condition::compile(text);
      if (!cond) {
        std::fprintf(stderr, "record_decoder_fuzz: condition does not compile: %s\n",
                     cond.error().message().c_str());
        std::abort();
      }
      out->conditions.push_back(std::move(*cond));
    }
    return out;
  }();
  return *c;
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  static RecordDecoder decoder;
  static Record record;
  static LineBuffer out;
  const fuzz::Compiled& c = fuzz::compiled();
  EvalContext& ctx = fuzz::shared_context();

  std::string_view json(reinterpret_cast<const char*>(data), size);
  Status st = decoder.decode(json, record);
  if (!st) {
    if (st.error().message().empty()) __builtin_trap();
    // A failed decode leaves the record empty.
    if (!record.fields().empty()) __builtin_trap();
    return 0;
  }

  // Read every field back: the views must point into live memory.
  out.clear();
  for (const Record::Field& f : record.fields()) {
    out.append(f.key);
    out.push_back('=');
    append_value(out, f.value);
    out.push_back(' ');
    if (record.find(f.key) == nullptr) __builtin_trap();  // every key must be found again
  }

  for (const Condition& cond : c.conditions) (void)cond.matches(record, ctx);
  for (const LogFormat* format : {&c.v2, &c.v1}) {
    out.clear();
    format->render(record, ctx, out);
    (void)apply_line_rules(out, 0, kLargeMaxLineBytes);
  }
  return 0;
}
