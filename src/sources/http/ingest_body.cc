#include "sources/http/ingest_body.h"

#include <fmt/format.h>

#include "core/json_text.h"

namespace sluice {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool read_hex4(std::string_view s, size_t pos, uint32_t& out) {
  if (pos + 4 > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < 4; ++i) {
    int v = hex_value(s[pos + i]);
    if (v < 0) return false;
    out = out * 16 + uint32_t(v);
  }
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

}  // namespace

bool decode_json_string(std::string_view s, std::string& out, std::string& error) {
  out.clear();
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') {
    error = "not a JSON string: it must start and end with '\"'";
    return false;
  }
  size_t end = s.size() - 1;
  for (size_t i = 1; i < end; ++i) {
    char c = s[i];
    if (c == '"') {
      error = fmt::format("unescaped '\"' at byte {} of the JSON string", i);
      return false;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      error = fmt::format("control character at byte {} of the JSON string", i);
      return false;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= end) {
      error = "the JSON string ends with a lone '\\'";
      return false;
    }
    switch (s[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!read_hex4(s.substr(0, end), i + 1, cp)) {
          error = fmt::format("bad \\u escape at byte {} of the JSON string", i - 1);
          return false;
        }
        i += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          error = fmt::format("unpaired low surrogate at byte {} of the JSON string", i - 5);
          return false;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = 0;
          if (i + 2 >= end || s[i + 1] != '\\' || s[i + 2] != 'u' ||
              !read_hex4(s.substr(0, end), i + 3, low) || low < 0xDC00 || low > 0xDFFF) {
            error = fmt::format("unpaired high surrogate at byte {} of the JSON string", i - 5);
            return false;
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, cp);
        break;
      }
      default:
        error = fmt::format("unknown escape '\\{}' at byte {} of the JSON string", s[i], i - 1);
        return false;
    }
  }
  return true;
}

IngestOutcome ingest_body(IngestSession& session, IngestKind kind, std::string_view service_id,
                          std::string_view body) {
  IngestOutcome outcome;
  std::string decoded;  // reused for JSON-string lines
  std::string decode_error;
  for_each_body_line(body, [&](size_t number, std::string_view line) {
    Status status;
    if (kind == IngestKind::kRecords) {
      status = session.submit_record(line, service_id);
    } else if (size_t first = line.find_first_not_of(" \t"); line[first] == '"') {
      std::string_view literal = line.substr(first);
      literal = literal.substr(0, literal.find_last_not_of(" \t") + 1);
      if (decode_json_string(literal, decoded, decode_error)) {
        status = session.submit_log_statement(decoded);
      } else {
        status = Error(decode_error);
      }
    } else {
      status = session.submit_log_statement(line);
    }
    outcome.count(number, status);
  });
  return outcome;
}

void IngestOutcome::reject(size_t line, std::string reason) {
  ++rejected;
  if (errors.size() < kMaxReportedErrors) errors.push_back({line, std::move(reason)});
}

std::string outcome_json(const IngestOutcome& outcome) {
  std::string out = fmt::format("{{\"accepted\":{},\"rejected\":{},\"dropped\":{},\"errors\":[",
                                outcome.accepted, outcome.rejected, outcome.dropped);
  for (size_t i = 0; i < outcome.errors.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{{\"line\":{},\"reason\":\"", outcome.errors[i].line);
    append_json_string_content(out, outcome.errors[i].reason);
    out += "\"}";
  }
  out += "]}\n";
  return out;
}

}  // namespace sluice
