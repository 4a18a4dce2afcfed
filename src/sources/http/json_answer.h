#pragma once

#include <string>
#include <string_view>

#include "core/json_text.h"
#include "net/http_server.h"
#include "sources/http/ingest_body.h"

namespace sluice {

inline HttpResponse json_answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

// {"error":"MESSAGE"}
inline HttpResponse json_error_answer(int status, std::string_view message) {
  std::string body = "{\"error\":\"";
  append_json_string_content(body, message);
  body += "\"}\n";
  return json_answer(status, std::move(body));
}

}  // namespace sluice
