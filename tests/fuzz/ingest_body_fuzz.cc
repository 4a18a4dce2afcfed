// libFuzzer target: the body of POST /ingest, from its Content-Encoding to the endpoint queue:
// decode_body (sources/http/body_decoding), ingest_body and outcome_json
// (sources/http/ingest_body) and the IngestSession that routes, renders and queues each line
// (route/ingest_session), with a topology of routes and queues and no sinks. What HttpSource
// does with a request after its router let it in is followed step by step.
//
// Input: byte 0 picks the body kind (request records, log statements, records for a service
// that does not exist) and the encoding: identity, the bytes read as a gzip or zstd stream, or
// the bytes compressed here with zlib or libzstd (so that the decoder sees valid streams too);
// byte 1 the decoding limit, and whether the queue is drained before and after this body (if
// not, it fills up over inputs and its drop_newest policy drops lines). The rest is the body.
//
// Invariants checked:
// - a valid compressed body decodes to exactly what was compressed, or is refused as too
//   large (kResourceExhausted) exactly when it is; whatever decodes stays within the limit, and
//   what does not decode says why;
// - accepted + rejected is the number of non-blank lines; dropped <= accepted;
// - the lines that reach the queue are accepted - dropped (one endpoint, one line a message),
//   none longer than the service's max_line_bytes and none holding '\n' or NUL;
// - the reported errors are the first min(rejected, 100), in line order, each naming a
//   non-blank line of the body that is rejected on its own as well, each with a reason;
// - outcome_json is one valid JSON document with the same counts.

#include <zlib.h>
#include <zstd.h>

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_loader.h"
#include "queue/endpoint_queue.h"
#include "route/ingest_session.h"
#include "sources/http/body_decoding.h"
#include "sources/http/ingest_body.h"
#include "topology/topology.h"

namespace {

using namespace sluice;

constexpr size_t kMaxLineBytes = 1024;  // the service's max_line_bytes below

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "ingest_body_fuzz: %s: %.*s\n", what, int(detail.size()), detail.data());
  std::abort();
}

void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

struct Engine {
  Config config;
  std::unique_ptr<Topology> topology;
  EndpointChannel* endpoint = nullptr;
  std::unique_ptr<IngestSession> session;

  Engine() {
    auto c = load_config_string(R"toml(
[[service]]
id = "svc1"
max_line_bytes = 1024
  [[service.logging]]
  type = "file"
  name = "ep"
  path = "/dev/null"
  format = '%h "%r" %>s %b "%{User-Agent}i" %{json.escape(req.url)}V %{time.elapsed.usec}V'
  queue_max_bytes = 65536
  when_full = "drop_newest"
)toml",
                                "fuzz.toml");
    if (!c) fail("the configuration does not load", c.error().message());
    config = std::move(*c);
    topology = std::make_unique<Topology>(TopologyOptions{});
    if (auto r = topology->activate(config); !r) fail("no activation", r.error().message());
    endpoint = topology->find_channel("svc1", "ep").get();
    if (endpoint == nullptr) fail("no endpoint");
    // One session for the whole run, as HTTP ingest reuses pooled sessions across requests.
    session = std::make_unique<IngestSession>(topology->routes(), "", PayloadKind::kAuto, true);
  }

  // Takes (and acks) every queued line; checks the line rules on each.
  size_t drain() {
    size_t n = 0;
    Lease lease;
    while (endpoint->queue->take(100000, 64 << 20, lease)) {
      for (size_t i = 0; i < lease.lines.size(); ++i) {
        std::string_view line = lease.lines.line(i);
        check(line.size() <= kMaxLineBytes, "a queued line over max_line_bytes",
              std::to_string(line.size()));
        check(
            line.find('\n') == std::string_view::npos && line.find('\0') == std::string_view::npos,
            "a queued line holding a newline or NUL", line);
        ++n;
      }
      endpoint->queue->ack(lease);
    }
    return n;
  }
};

Engine& engine() {
  static Engine* e = new Engine;
  return *e;
}

std::string gzip(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail("deflateInit2");
  std::string out(deflateBound(&z, uLong(in.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) fail("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) fail("ZSTD_compress");
  out.resize(n);
  return out;
}

// The body's lines as ingest_body must see them: number -> blank or not.
std::vector<bool> non_blank_lines(std::string_view body) {
  std::vector<bool> lines{false};  // index 0 unused: line numbers are 1-based
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line.find_first_not_of(" \t") != std::string_view::npos);
  }
  return lines;
}

// Line `number` of the body as it is there, '\r' included.
std::string_view line_of(std::string_view body, size_t number) {
  for (size_t n = 1;; ++n) {
    size_t nl = body.find('\n');
    if (n == number) return body.substr(0, nl);
    if (nl == std::string_view::npos) fail("no such line", std::to_string(number));
    body.remove_prefix(nl + 1);
  }
}

void check_outcome_json(const IngestOutcome& o) {
  static simdjson::dom::parser parser;
  std::string text = outcome_json(o);
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) {
    fail("outcome_json is not valid JSON", text);
  }
  uint64_t accepted = 0, rejected = 0, dropped = 0;
  simdjson::dom::array errors;
  check(doc["accepted"].get(accepted) == simdjson::SUCCESS && accepted == o.accepted &&
            doc["rejected"].get(rejected) == simdjson::SUCCESS && rejected == o.rejected &&
            doc["dropped"].get(dropped) == simdjson::SUCCESS && dropped == o.dropped &&
            doc["errors"].get(errors) == simdjson::SUCCESS && errors.size() == o.errors.size(),
        "outcome_json does not say what the outcome holds", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Engine& e = engine();
  int kind_choice = data[0] % 3;
  int encoding_choice = data[0] / 3 % 5;
  static constexpr size_t kLimits[] = {16, 1024, 8192, 1 << 20};
  size_t max_bytes = kLimits[data[1] % 4];
  bool drain = (data[1] & 0x80) == 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);

  // The Content-Encoding step.
  std::string decoded;
  std::string_view body = input;
  if (encoding_choice != 0) {
    BodyEncoding encoding = encoding_choice % 2 == 1 ? BodyEncoding::kGzip : BodyEncoding::kZstd;
    std::string packed;
    std::string_view wire = input;
    if (encoding_choice >= 3) {
      packed = encoding == BodyEncoding::kGzip ? gzip(input) : zstd(input);
      wire = packed;
    }
    Status st = decode_body(encoding, wire, max_bytes, decoded);
    if (st) {
      check(decoded.size() <= max_bytes, "a body decoded past the limit");
      if (encoding_choice >= 3) {
        check(decoded == input, "a compressed body does not decode to what was compressed");
      }
      body = decoded;
    } else {
      check(!st.error().message().empty(), "a decoding error without a reason");
      bool too_large = st.error().code() == ErrorCode::kResourceExhausted;
      check(too_large || st.error().code() == ErrorCode::kInvalidArgument,
            "a decoding error of an unexpected kind", st.error().message());
      if (encoding_choice >= 3) {
        check(too_large && input.size() > max_bytes, "a valid compressed body refused",
              st.error().message());
      }
      // HttpSource answers 413 or 400 here; the bytes are still ingested as identity below, so
      // that every input reaches the session.
    }
  }

  // The ingest step, as HttpSource::handle does it.
  if (drain) (void)e.drain();
  IngestKind kind = kind_choice == 1 ? IngestKind::kLogStatements : IngestKind::kRecords;
  std::string_view service = kind_choice == 2 ? "no-such-service" : "svc1";
  IngestOutcome o = ingest_body(*e.session, kind, service, body);
  if (!e.session->flush()) fail("a drop_newest queue made flush() wait");
  o.dropped = e.session->take_dropped_messages();

  std::vector<bool> lines = non_blank_lines(body);
  size_t messages = 0;
  for (bool b : lines) messages += b ? 1 : 0;
  check(o.accepted + o.rejected == messages, "accepted + rejected is not the number of lines",
        std::to_string(o.accepted + o.rejected) + " != " + std::to_string(messages));
  check(o.dropped <= o.accepted, "more lines dropped than accepted");
  o.accepted -= o.dropped;
  if (kind_choice == 2) check(o.accepted == 0 && o.dropped == 0, "lines for no service accepted");
  if (drain) {
    size_t queued = e.drain();
    check(queued == o.accepted, "the queue does not hold the accepted lines",
          std::to_string(queued) + " != " + std::to_string(o.accepted));
  }

  check(o.errors.size() == std::min(o.rejected, kMaxReportedErrors), "errors not reported");
  size_t previous = 0;
  for (const auto& error : o.errors) {
    check(error.line > previous && error.line < lines.size() && lines[error.line],
          "an error naming no rejected line", std::to_string(error.line));
    check(!error.reason.empty(), "an error without a reason");
    previous = error.line;
  }
  // The line an error names is rejected on its own too (the first few, to stay fast).
  for (size_t i = 0; i < o.errors.size() && i < 3; ++i) {
    std::string line(line_of(body, o.errors[i].line));
    line += '\n';  // so that a trailing '\r' is taken off as it was in the body
    IngestOutcome alone = ingest_body(*e.session, kind, service, line);
    check(alone.rejected == 1 && alone.accepted == 0, "an error names a line that is accepted",
          line);
    if (!e.session->flush()) fail("a drop_newest queue made flush() wait");
    (void)e.session->take_dropped_messages();
  }
  check_outcome_json(o);
  return 0;
}
