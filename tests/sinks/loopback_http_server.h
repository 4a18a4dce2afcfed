// Test support for the sinks: waiting for a condition, and an HTTP peer on 127.0.0.1 (sluice's
// own Beast server, the one HTTP ingest uses) running on a thread of its own.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "net/http_server.h"

namespace sluice::testing {

// Polls `pred` every 5 ms until it holds or `timeout` passes; returns its last answer.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

// Answers every request with `handler`, called on the server's thread, until destroyed.
class LoopbackHttpServer {
 public:
  explicit LoopbackHttpServer(HttpServer::Handler handler) {
    auto s = HttpServer::start(io_, ListenAddress{"127.0.0.1", 0}, 64 << 20, std::move(handler));
    EXPECT_TRUE(s.ok());
    server_ = std::move(*s);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LoopbackHttpServer() {
    server_->stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  // http://127.0.0.1:PORT followed by `path`.
  [[nodiscard]] std::string url(std::string_view path = "") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

}  // namespace sluice::testing
