#include "sources/fastly/fastly_batch.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "sources/syslog/syslog_message.h"

namespace sluice {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

class EntrySink {
 public:
  EntrySink(IngestSession& session, const SourceConfig& source, IngestOutcome& outcome)
      : session_(session), source_(source), outcome_(outcome) {}

  // An NDJSON entry that is a JSON string: the text of a line that was not JSON itself (a
  // prefixed line, or plain text), which a json_format 1 or 2 sender writes as a string.
  void submit_ndjson(size_t entry, std::string_view text) {
    std::string_view t = trim(text);
    if (t.size() < 2 || t.front() != '"' || t.back() != '"') return submit(entry, text);
    std::string error;
    if (!decode_json_string(t, decoded_, error)) return outcome_.reject(entry, std::move(error));
    submit(entry, decoded_);
  }

  void submit(size_t entry, std::string_view text) {
    std::string_view message = source_.fastly.strip_prefix ? strip_fastly_prefix(text) : text;
    outcome_.count(entry,
                   source_.payload == PayloadKind::kLog
                       ? session_.submit_line(source_.service, source_.fastly.endpoint, message)
                       : session_.submit_record(trim(message), source_.service));
  }

 private:
  IngestSession& session_;
  const SourceConfig& source_;
  IngestOutcome& outcome_;
  std::string decoded_;
};

void ingest_lines(EntrySink& sink, std::string_view body, bool ndjson) {
  for_each_body_line(body, [&](size_t entry, std::string_view line) {
    if (ndjson) {
      sink.submit_ndjson(entry, line);
    } else {
      sink.submit(entry, line);
    }
  });
}

// False when `body` is not one JSON array (nothing was submitted then).
bool ingest_array(EntrySink& sink, std::string_view body, std::string& error) {
  // One parser per ingest thread: it keeps its buffers between batches.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(body.data(), body.size()).get(root); e != simdjson::SUCCESS) {
    error = fmt::format("the body is not a JSON array: {}", simdjson::error_message(e));
    return false;
  }
  simdjson::dom::array array;
  if (root.get_array().get(array) != simdjson::SUCCESS) {
    error = "the body is JSON but not an array";
    return false;
  }
  size_t entry = 0;
  std::string text;
  for (simdjson::dom::element element : array) {
    ++entry;
    std::string_view s;
    if (element.get_string().get(s) == simdjson::SUCCESS) {
      sink.submit(entry, s);  // a line that was not JSON, sent as a string
    } else {
      text = simdjson::minify(element);
      sink.submit(entry, text);
    }
  }
  return true;
}

bool looks_like_array(std::string_view body) {
  std::string_view t = trim(body);
  return !t.empty() && t.front() == '[' && t.back() == ']';
}

}  // namespace

std::string_view strip_fastly_prefix(std::string_view entry) {
  std::string_view frame = entry;
  // logplex: "LEN <PRI>1 ...", LEN the byte count of what follows the space.
  size_t digits = 0;
  while (digits < frame.size() && digits < 10 && frame[digits] >= '0' && frame[digits] <= '9') {
    ++digits;
  }
  if (digits > 0 && digits + 1 < frame.size() && frame[digits] == ' ' && frame[digits + 1] == '<') {
    frame.remove_prefix(digits + 1);
  }
  if (frame.empty() || frame.front() != '<') return entry;
  SyslogMessage m = parse_syslog_message(frame);
  if (m.format == SyslogMessage::Format::kNone) return entry;
  return m.payload;
}

IngestOutcome ingest_fastly_batch(IngestSession& session, const SourceConfig& source,
                                  std::string_view body) {
  IngestOutcome outcome;
  EntrySink sink(session, source, outcome);
  FastlyJsonFormat format = source.fastly.json_format;
  bool array = format == FastlyJsonFormat::kArray ||
               (format == FastlyJsonFormat::kAuto && looks_like_array(body));
  if (array) {
    std::string error;
    if (ingest_array(sink, body, error)) return outcome;
    if (format == FastlyJsonFormat::kArray) {
      outcome.reject(1, std::move(error));
      return outcome;
    }
    // json_format auto: a line of text that only looks like an array is taken as a line.
  }
  ingest_lines(sink, body, format != FastlyJsonFormat::kLines);
  return outcome;
}

}  // namespace sluice
