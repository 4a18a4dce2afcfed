#include "sinks/http/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <mutex>

#include <fmt/format.h>

#include "net/destination_policy.h"

namespace sluice {
namespace {

bool is_pem_text(const std::string& value) {
  return value.rfind("-----BEGIN", 0) == 0;
}

HttpOutcome::Transport transport_kind(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return HttpOutcome::Transport::kTimeout;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_USE_SSL_FAILED:
      return HttpOutcome::Transport::kTls;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_NOT_BUILT_IN:
      return HttpOutcome::Transport::kConfiguration;
    default:
      return HttpOutcome::Transport::kConnection;
  }
}

bool starts_with_fold(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i] >= 'A' && s[i] <= 'Z' ? char(s[i] - 'A' + 'a') : s[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

}  // namespace

struct HttpClient::Transfer {
  HttpClientRequest request;
  std::function<void(HttpClientResponse)> done;
  const DestinationPolicy* destinations = nullptr;  // the client's; nullptr: any address
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpClientResponse response;
  char error[CURL_ERROR_SIZE] = {};
  std::string refused;  // the destination policy's first refusal, if it refused an address

  // libcurl's CURLOPT_OPENSOCKETFUNCTION: called with each resolved address just before it
  // connects, the one place that sees the address actually used (CONNECT_TO and
  // every happy-eyeballs attempt included). A refused address gets no socket, so libcurl
  // tries the next one or fails with CURLE_COULDNT_CONNECT, which finish() explains.
  static curl_socket_t open_socket(void* user, curlsocktype, curl_sockaddr* a) {
    auto* t = static_cast<Transfer*>(user);
    if (t->destinations != nullptr && t->request.check_destination) {
      auto to = from_sockaddr(&a->addr, a->addrlen);
      Status st =
          to ? t->destinations->check(to->address, to->port) : Status(Error("not an IP address"));
      if (!st) {
        if (t->refused.empty()) t->refused = st.error().message();
        return CURL_SOCKET_BAD;
      }
    }
    return ::socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
  }

  ~Transfer() {
    if (headers != nullptr) curl_slist_free_all(headers);
  }

  static size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string& body = t->response.outcome.body;
    size_t len = size * n;
    if (body.size() < t->request.max_response_body) {
      body.append(data, std::min(len, t->request.max_response_body - body.size()));
    }
    return len;  // the rest is read and discarded, so the connection stays reusable
  }

  static size_t on_header(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
      // A new response (after a 100 Continue, say): forget the previous one's headers.
      t->response.outcome.retry_after.clear();
    } else if (starts_with_fold(line, "retry-after:")) {
      t->response.outcome.retry_after = std::string(line.substr(12));
    }
    return size * n;
  }
};

HttpClient::HttpClient(HttpClientSettings settings) : settings_(std::move(settings)) {}

Result<std::unique_ptr<HttpClient>> HttpClient::start(HttpClientSettings settings) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<HttpClient> c(new HttpClient(std::move(settings)));
  c->multi_ = curl_multi_init();
  if (c->multi_ == nullptr) return Error("libcurl: could not create a multi handle");
  long max = long(c->settings_.max_connections);
  curl_multi_setopt(c->multi_, CURLMOPT_MAX_HOST_CONNECTIONS, max);
  curl_multi_setopt(c->multi_, CURLMOPT_MAXCONNECTS, max * 2);
  curl_multi_setopt(c->multi_, CURLMOPT_PIPELINING, long(CURLPIPE_MULTIPLEX));
  if (!c->settings_.connect_to.empty()) {
    c->connect_to_ = curl_slist_append(nullptr, c->settings_.connect_to.c_str());
  }
  HttpClient* self = c.get();
  c->thread_ = std::thread([self] { self->run(); });
  return c;
}

HttpClient::~HttpClient() {
  stop();
  for (CURL* e : spare_) curl_easy_cleanup(e);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
  if (connect_to_ != nullptr) curl_slist_free_all(connect_to_);
}

void HttpClient::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (multi_ != nullptr) curl_multi_wakeup(multi_);
  if (thread_.joinable()) thread_.join();
}

void HttpClient::send(HttpClientRequest request, std::function<void(HttpClientResponse)> done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    incoming_.push_back(std::move(t));
  }
  curl_multi_wakeup(multi_);
}

Status HttpClient::configure(Transfer& t) {
  CURL* e = t.easy;
  const HttpClientRequest& r = t.request;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "sluice/0.1.0");
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, long(r.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, long(std::min<int64_t>(r.timeout.count(), 10000)));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Transfer::open_socket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  // Wait for an HTTP/2 connection being set up rather than opening a second one.
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  bool https = r.url.rfind("https:", 0) == 0;
  switch (settings_.version) {
    case HttpClientSettings::Version::kAuto:
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_2TLS));
      break;
    case HttpClientSettings::Version::kHttp11:
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_1_1));
      break;
    case HttpClientSettings::Version::kHttp2:
      curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                       long(https ? CURL_HTTP_VERSION_2_0 : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
      break;
  }
  if (r.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    static const std::string kEmpty;
    const std::string& body = r.body ? *r.body : kEmpty;
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
    if (r.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  for (const std::string& h : r.headers) t.headers = curl_slist_append(t.headers, h.c_str());
  // No "Expect: 100-continue" round trip before large bodies: receivers answer the request
  // itself just as well, and some never send the 100.
  t.headers = curl_slist_append(t.headers, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);

  if (connect_to_ != nullptr) curl_easy_setopt(e, CURLOPT_CONNECT_TO, connect_to_);
  if (https) {
    const HttpTlsSettings& tls = settings_.tls;
    auto set_pem = [&](CURLoption blob_opt, CURLoption path_opt, const std::string& value) {
      if (value.empty()) return;
      if (is_pem_text(value)) {
        curl_blob blob{const_cast<char*>(value.data()), value.size(), CURL_BLOB_COPY};
        curl_easy_setopt(e, blob_opt, &blob);
      } else {
        curl_easy_setopt(e, path_opt, value.c_str());
      }
    };
    set_pem(CURLOPT_CAINFO_BLOB, CURLOPT_CAINFO, tls.ca_cert);
    set_pem(CURLOPT_SSLCERT_BLOB, CURLOPT_SSLCERT, tls.client_cert);
    set_pem(CURLOPT_SSLKEY_BLOB, CURLOPT_SSLKEY, tls.client_key);
    if (!tls.client_cert.empty()) curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
  }
  return {};
}

void HttpClient::finish(std::unique_ptr<Transfer> t, int code_int) {
  auto code = CURLcode(code_int);
  HttpClientResponse& resp = t->response;
  curl_off_t usec = 0;
  curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &usec);
  resp.elapsed = std::chrono::microseconds(usec);
  if (code == CURLE_OK) {
    long status = 0, version = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &version);
    resp.outcome.status = status;
    resp.http_version = version == CURL_HTTP_VERSION_2_0   ? 20
                        : version == CURL_HTTP_VERSION_1_0 ? 10
                                                           : 11;
  } else {
    resp.outcome.transport_ok = false;
    resp.outcome.transport = transport_kind(code);
    resp.outcome.transport_error =
        t->error[0] != '\0' ? std::string(t->error) : std::string(curl_easy_strerror(code));
    if (!t->refused.empty() && code == CURLE_COULDNT_CONNECT) {
      // libcurl only says it could not connect; the policy says why, and no retry will help.
      resp.outcome.transport = HttpOutcome::Transport::kConfiguration;
      resp.outcome.transport_error = std::move(t->refused);
    }
  }
  curl_easy_reset(t->easy);
  spare_.push_back(t->easy);
  t->easy = nullptr;
  auto done = std::move(t->done);
  HttpClientResponse out = std::move(resp);
  t.reset();  // frees the header list and the last reference to the body
  done(std::move(out));
}

void HttpClient::run() {
  while (true) {
    std::vector<std::unique_ptr<Transfer>> incoming;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      incoming.swap(incoming_);
    }
    for (auto& t : incoming) {
      if (!spare_.empty()) {
        t->easy = spare_.back();
        spare_.pop_back();
      } else {
        t->easy = curl_easy_init();
      }
      t->destinations = settings_.destinations.get();
      Status st = t->easy != nullptr ? configure(*t) : Status(Error("libcurl: no easy handle"));
      if (!st || curl_multi_add_handle(multi_, t->easy) != CURLM_OK) {
        if (t->easy != nullptr) spare_.push_back(t->easy);
        t->easy = nullptr;
        HttpClientResponse resp;
        resp.outcome.transport_ok = false;
        resp.outcome.transport = HttpOutcome::Transport::kConfiguration;
        resp.outcome.transport_error = st ? "libcurl refused the transfer" : st.error().message();
        t->done(std::move(resp));
        continue;
      }
      CURL* easy = t->easy;
      active_.emplace(easy, std::move(t));
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* easy = m->easy_handle;
      CURLcode result = m->data.result;  // read before remove_handle invalidates m
      curl_multi_remove_handle(multi_, easy);
      auto it = active_.find(easy);
      if (it == active_.end()) continue;
      std::unique_ptr<Transfer> t = std::move(it->second);
      active_.erase(it);
      finish(std::move(t), int(result));
    }
    // Level-triggered wait on libcurl's own sockets and timeouts; send() and stop() wake it.
    curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
  for (auto& [easy, t] : active_) {
    curl_multi_remove_handle(multi_, easy);
    curl_easy_cleanup(easy);
    t->easy = nullptr;
  }
  active_.clear();
}

}  // namespace sluice
