#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "sinks/http/delivery_settings.h"
#include "sinks/http/retry_logic.h"

typedef void CURL;
typedef void CURLM;
struct curl_slist;

namespace sluice {

class DestinationPolicy;

// One request. The body is shared, not copied: a retried request sends the same buffer again.
struct HttpClientRequest {
  std::string method = "POST";  // POST, PUT or GET
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::shared_ptr<const std::string> body;
  std::chrono::milliseconds timeout{30000};
  size_t max_response_body = kErrorBodyBytes;  // the rest of the response body is discarded
  // False only for an address sluice chose itself, never one from an endpoint's settings: the
  // instance metadata service that the AWS credential chain asks.
  bool check_destination = true;
};

struct HttpClientResponse {
  HttpOutcome outcome;
  std::chrono::microseconds elapsed{0};
  int http_version = 0;  // 11, 20 (HTTP/1.1, HTTP/2); 0 when there was no response
};

struct HttpClientSettings {
  enum class Version : uint8_t { kAuto, kHttp11, kHttp2 } version = Version::kAuto;
  HttpTlsSettings tls;
  // tls_hostname: the URL's host is replaced by it (for SNI and certificate checks) and
  // connections go to connect_host:connect_port instead; Host names the original.
  std::string connect_to;  // "" or libcurl's CONNECT_TO "::HOST:PORT"
  uint32_t max_connections = 4;
  // Checked on every address libcurl is about to connect to, after resolution (so DNS
  // rebinding cannot pass it). nullptr: any address.
  std::shared_ptr<const DestinationPolicy> destinations;
};

// An HTTP client for one endpoint: libcurl's multi interface, with connection reuse, HTTP/1.1
// keep-alive and HTTP/2 multiplexing (negotiated by ALPN), and TLS with optional client
// certificates.
//
// Why a thread of its own, and not curl_multi_socket_action on the sink's io_context: libcurl
// drives sockets it creates and closes itself, and asio's reactor is edge-triggered, so wiring
// the two needs an open/close-socket callback dance and careful readiness re-arming (a socket
// whose buffered data libcurl did not consume produces no new edge). curl_multi_poll() on a
// dedicated thread is level-triggered, owned entirely by libcurl, and proven. It costs one
// thread per HTTP endpoint, blocked in poll when idle; requests and responses cross threads once
// per batch, never per line, which is the rule of DESIGN "Concurrency". It also lets TLS and
// HTTP/2 framing of one endpoint run on a second core beside the sink's framing and
// compression.
//
// Thread-safety: send() and stop() may be called from any thread. `done` callbacks run on the
// client's thread; post them to the caller's executor. After stop() returns no callback runs.
class HttpClient {
 public:
  [[nodiscard]] static Result<std::unique_ptr<HttpClient>> start(HttpClientSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void send(HttpClientRequest request, std::function<void(HttpClientResponse)> done);
  // Aborts every transfer (their callbacks never run) and joins the thread. Idempotent.
  void stop();

 private:
  struct Transfer;
  // Defined in the .cc, where Transfer is complete (the members' clean-up needs it).
  explicit HttpClient(HttpClientSettings settings);
  void run();
  Status configure(Transfer& t);
  void finish(std::unique_ptr<Transfer> t, int code);

  HttpClientSettings settings_;
  CURLM* multi_ = nullptr;
  curl_slist* connect_to_ = nullptr;  // CURLOPT_CONNECT_TO; lives as long as the client
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Transfer>> incoming_;  // guarded by mu_
  bool stopping_ = false;                            // guarded by mu_
  // Client thread only:
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;
  std::vector<CURL*> spare_;  // finished easy handles, reset and reused (connection cache and
                              // TLS session ids live on; see curl_easy_reset(3))
};

}  // namespace sluice
