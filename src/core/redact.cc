#include "core/redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace sluice {
namespace {

constexpr size_t kMinSecretBytes = 4;

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}

// A name that usually carries a credential: matched as a substring of the lower-cased name, so
// "X-Api-Key", "DD-API-KEY", "access_token" and "Proxy-Authorization" are all caught.
bool names_a_credential(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kWords = {
      "auth", "token", "secret", "passw", "cookie", "key", "signature", "credential", "session"};
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

// Replaces the secrets, and the start of one where the text was cut inside it.
void redact_known(std::string& text, std::span<const std::string> secrets) {
  for (const std::string& secret : secrets) {
    if (secret.size() < kMinSecretBytes) continue;
    replace_all(text, secret, kRedacted);
    for (size_t k = std::min(secret.size() - 1, text.size()); k >= kMinSecretBytes; --k) {
      if (std::string_view(text).substr(text.size() - k) == std::string_view(secret).substr(0, k)) {
        text.replace(text.size() - k, k, kRedacted);
        break;
      }
    }
  }
}

// Replaces the value after each credential-like name: `name: value` up to the end of the line,
// `name=value` up to '&', and a quoted value up to its closing quote.
std::string redact_named(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (!is_name_char(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    size_t name_end = i;
    while (name_end < text.size() && is_name_char(text[name_end])) ++name_end;
    out.append(text.substr(i, name_end - i));
    size_t j = name_end;
    if (!names_a_credential(text.substr(i, name_end - i))) {
      i = j;
      continue;
    }
    if (j < text.size() && (text[j] == '"' || text[j] == '\'')) ++j;  // a JSON key's quote
    while (j < text.size() && text[j] == ' ') ++j;
    if (j >= text.size() || (text[j] != ':' && text[j] != '=')) {
      i = name_end;
      continue;
    }
    char separator = text[j++];
    while (j < text.size() && text[j] == ' ') ++j;
    size_t value_end = j;
    if (j < text.size() && (text[j] == '"' || text[j] == '\'')) {
      char quote = text[j];
      value_end = text.find(quote, j + 1);
      value_end = value_end == std::string_view::npos ? text.size() : value_end;
      ++j;
    } else {
      std::string_view stops = separator == ':' ? "\r\n,}" : "\r\n&,;} ";
      value_end = text.find_first_of(stops, j);
      value_end = value_end == std::string_view::npos ? text.size() : value_end;
    }
    out.append(text.substr(name_end, j - name_end));
    if (value_end > j) out.append(kRedacted);
    i = value_end;
  }
  return out;
}

}  // namespace

namespace {

// Calls keep(text) for the parts of `url` that stay and hide(text) for each credential, in
// order, so that one walk serves both redact_url() and url_credentials().
template <typename Keep, typename Hide>
void walk_url(std::string_view url, Keep&& keep, Hide&& hide) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return keep(url);
  size_t authority = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  keep(url.substr(0, authority));
  std::string_view host_part = url.substr(authority, authority_end - authority);
  size_t at = host_part.rfind('@');
  if (at != std::string_view::npos) {
    hide(host_part.substr(0, at));
    host_part.remove_prefix(at);
  }
  keep(host_part);
  size_t query = url.find('?', authority_end);
  size_t fragment = url.find('#', authority_end);
  if (query == std::string_view::npos || (fragment != std::string_view::npos && fragment < query)) {
    return keep(url.substr(authority_end));
  }
  keep(url.substr(authority_end, query + 1 - authority_end));
  size_t end = fragment == std::string_view::npos ? url.size() : fragment;
  std::string_view params = url.substr(query + 1, end - query - 1);
  while (true) {
    size_t amp = params.find('&');
    std::string_view param = params.substr(0, amp);
    size_t eq = param.find('=');
    if (eq != std::string_view::npos) {
      keep(param.substr(0, eq + 1));
      if (eq + 1 < param.size()) hide(param.substr(eq + 1));
    } else if (!param.empty()) {
      hide(param);  // a bare value may be a token itself
    }
    if (amp == std::string_view::npos) break;
    keep("&");
    params.remove_prefix(amp + 1);
  }
  keep(url.substr(end));
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  walk_url(
      url, [&](std::string_view part) { out.append(part); },
      [&](std::string_view) { out.append(kRedacted); });
  return out;
}

std::vector<std::string> url_credentials(std::string_view url) {
  std::vector<std::string> out;
  walk_url(
      url, [](std::string_view) {}, [&](std::string_view secret) { out.emplace_back(secret); });
  return out;
}

std::string redact_excerpt(std::string_view text, std::span<const std::string> secrets) {
  std::string known(text);
  redact_known(known, secrets);
  std::string out = redact_named(known);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) return {};
  size_t end = out.find_last_not_of(' ');
  return out.substr(begin, end + 1 - begin);
}

}  // namespace sluice
