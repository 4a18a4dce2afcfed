#include "core/log_statement.h"

namespace sluice {
namespace {

std::string_view next_word(std::string_view& s) {
  size_t start = s.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    s = {};
    return {};
  }
  s.remove_prefix(start);
  size_t end = s.find(' ');
  std::string_view word = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return word;
}

}  // namespace

std::optional<LogStatement> parse_log_statement(std::string_view text) {
  std::string_view rest = text;
  if (next_word(rest) != "syslog") return std::nullopt;
  LogStatement st;
  st.service_id = next_word(rest);
  st.endpoint = next_word(rest);
  if (st.service_id.empty() || st.endpoint.empty() || st.endpoint == "::") return std::nullopt;
  size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos || rest.substr(start, 2) != "::") return std::nullopt;
  rest.remove_prefix(start + 2);
  // The delimiter is ":: "; a message may also be empty ("... ::" at the end of the line).
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  st.message = rest;
  return st;
}

}  // namespace sluice
