#pragma once

// The inputs the render and decode benchmarks share (sluice_bench and render_count), so that the
// wall-clock figures and the instruction counts measure the same work.

#include <string_view>

namespace sluice::bench {

// The DESIGN.md "Events" example with the headers a real request carries: 600-odd bytes.
inline constexpr std::string_view kRecord =
    R"({"req.method":"GET","req.url":"/assets/app/main.4f2a9c.js?v=2",)"
    R"("req.proto":"HTTP/1.1","req.http.Host":"www.example.com",)"
    R"("req.http.Fastly-Client-IP":"192.0.2.7","client.ip":"192.0.2.7",)"
    R"("req.http.User-Agent":"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 )"
    R"(Firefox/120.0","req.http.Referer":"https://www.example.com/shoes?page=2",)"
    R"("req.http.Accept-Language":"en-GB,en;q=0.9","req.http.Cache-Control":"no-cache",)"
    R"("resp.status":200,"resp.response":"OK","resp.body_bytes_written":48213,)"
    R"("time.start":"2026-11-21T08:00:00Z","time.elapsed.usec":1834,)"
    R"("server.identity":"cache-nrt1234",)"
    R"("client.geo.country_name":"Japan","fastly_info.state":"HIT",)"
    R"("fastly.ff.visits_this_service":0})";

// The 16-field JSON example of reference/seeds/004, from "timestamp" through "host", on one line.
inline constexpr std::string_view kJson004 =
    R"({"timestamp": "%{strftime(\{"%Y-%m-%dT%H:%M:%S%z"\}, time.start)}V",)"
    R"("client_ip": "%{req.http.Fastly-Client-IP}V",)"
    R"("geo_country": "%{client.geo.country_name}V",)"
    R"("url": "%{json.escape(req.url)}V",)"
    R"("request_referer": "%{json.escape(req.http.referer)}V",)"
    R"("request_user_agent": "%{json.escape(req.http.User-Agent)}V",)"
    R"("fastly_is_edge": %{if(fastly.ff.visits_this_service == 0, "true", "false")}V,)"
    R"("response_state": "%{json.escape(fastly_info.state)}V",)"
    R"("response_status": %{resp.status}V,)"
    R"("response_reason": %{if(resp.response, "%22"+json.escape(resp.response)+"%22", "null")}V,)"
    R"("response_body_size": %{resp.body_bytes_written}V,)"
    R"("request_method": "%{json.escape(req.method)}V",)"
    R"("request_protocol": "%{json.escape(req.proto)}V",)"
    R"("fastly_server": "%{json.escape(server.identity)}V",)"
    R"("host": "%{if(req.http.Fastly-Orig-Host, req.http.Fastly-Orig-Host, req.http.Host)}V"})";

}  // namespace sluice::bench
