#pragma once

#include <memory>
#include <utility>

#include <boost/asio/post.hpp>

#include "sinks/http/http_client.h"

namespace sluice {

// Sends `request` on `client` and runs `on_answer(core, response)` on the core's strand: the
// client's thread only posts to it. Nothing runs once the core is gone or stopped
// (`core.stopped()`, checked on the strand), so a sink's answers never outlive its stop().
template <typename Core, typename Strand, typename OnAnswer>
void send_answering_on_strand(HttpClient& client, HttpClientRequest request,
                              std::weak_ptr<Core> core, Strand strand, OnAnswer on_answer) {
  client.send(std::move(request), [core = std::move(core), strand,
                                   on_answer = std::move(on_answer)](HttpClientResponse response) {
    auto self = core.lock();
    if (!self) return;
    boost::asio::post(strand, [self, on_answer, response = std::move(response)] {
      if (!self->stopped()) on_answer(*self, response);
    });
  });
}

}  // namespace sluice
