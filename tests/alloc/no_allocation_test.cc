// DESIGN: "Rendering appends to a reused buffer and allocates nothing per field." This test
// counts every heap allocation made while steady-state rendering runs, and expects none.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "core/record_decoder.h"
#include "format/line_renderer.h"

#include "allocation_counter.h"

using sluice::testing::count_allocation;

#if !defined(__SANITIZE_ADDRESS__)
void* operator new(size_t size) {
  count_allocation(size);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) {
  count_allocation(size);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
#endif

namespace sluice {
namespace {

constexpr std::string_view kRecord =
    R"({"req.method":"GET","req.url":"/images/cat.jpg?w=200&fmt=webp","req.proto":"HTTP/2",)"
    R"("req.http.Host":"www.example.com","req.http.Fastly-Client-IP":"192.0.2.7",)"
    R"("req.http.User-Agent":"Mozilla/5.0 (X11; Linux x86_64) \"quoted\"",)"
    R"("req.http.Referer":"https://www.example.com/","req.http.Cookie":"a=1; session=abc",)"
    R"("client.geo.country_name":"Japan","resp.status":200,"resp.response":"OK",)"
    R"("resp.body_bytes_written":5120,"resp.http.Fastly-Stats":"io=1",)"
    R"("time.start":"2026-11-21T08:00:00.123456Z","time.elapsed.usec":1834,)"
    R"("server.datacenter":"NRT","server.identity":"cache-nrt1","fastly_info.state":"HIT",)"
    R"("fastly.ff.visits_this_service":0})";

// The 004 seed's JSON format, plus functions that build strings.
constexpr std::string_view kJsonFormat =
    R"({"timestamp": "%{strftime(\{"%Y-%m-%dT%H:%M:%S%z"\}, time.start)}V", )"
    R"("client_ip": "%{req.http.Fastly-Client-IP}V", )"
    R"("geo_country": "%{client.geo.country_name}V", "url": "%{json.escape(req.url)}V", )"
    R"("request_referer": "%{json.escape(req.http.referer)}V", )"
    R"("request_user_agent": "%{json.escape(req.http.User-Agent)}V", )"
    R"("fastly_is_edge": %{if(fastly.ff.visits_this_service == 0, "true", "false")}V, )"
    R"("response_state": "%{json.escape(fastly_info.state)}V", )"
    R"("response_status": %{resp.status}V, )"
    R"("response_reason": %{if(resp.response, "%22"+json.escape(resp.response)+"%22", "null")}V, )"
    R"("response_body_size": %{resp.body_bytes_written}V, )"
    R"("request_method": "%{json.escape(req.method)}V", )"
    R"("request_protocol": "%{json.escape(req.proto)}V", )"
    R"("fastly_server": "%{json.escape(server.identity)}V", )"
    R"("host": "%{if(req.http.Fastly-Orig-Host, req.http.Fastly-Orig-Host, req.http.Host)}V", )"
    R"("extra": "%{std.tolower(regsuball(req.url, "[0-9]", "#"))}V %{substr(req.url, 1, 6)}V )"
    R"(%{req.http.Cookie:session}V %{urlencode(req.url.qs)}V %{time.end}V %{time.elapsed}V"})";

using testing::allocation_counts;
using testing::CountAllocations;

#define SKIP_WITHOUT_COUNTING() \
  if (!testing::kAllocationsCounted) GTEST_SKIP() << "allocation counting is off under ASan"

TEST(NoAllocation, SteadyStateRenderingAllocatesNothing) {
  SKIP_WITHOUT_COUNTING();
  RecordDecoder decoder;
  Record record;
  ASSERT_TRUE(decoder.decode(kRecord, record).ok());
  auto json = LogFormat::compile(kJsonFormat);
  ASSERT_TRUE(json.ok()) << json.error().message();
  auto clf = LogFormat::compile(R"(%h %l %u %t "%r" %>s %b %{begin:%Y-%m-%d}t %{end:msec}t)");
  ASSERT_TRUE(clf.ok()) << clf.error().message();
  auto condition = Condition::compile(R"(resp.status < 400 && req.url ~ "^/images/")");
  ASSERT_TRUE(condition.ok()) << condition.error().message();
  LineRenderer json_renderer(std::move(*json), std::move(*condition));
  LineRenderer clf_renderer(std::move(*clf), std::nullopt);
  EvalContext ctx;
  LineBuffer out;

  auto render_all = [&] {
    out.clear();
    ASSERT_TRUE(json_renderer.render(record, ctx, out));
    out.push_back('\n');
    ASSERT_TRUE(clf_renderer.render(record, ctx, out));
  };
  render_all();  // warm-up: buffers, arena blocks and per-thread caches reach their size
  {
    CountAllocations scope;
    for (int i = 0; i < 1000; ++i) render_all();
  }
  EXPECT_EQ(allocation_counts.allocations, 0u) << fmt::to_string(out);
}

TEST(NoAllocation, DecodingIntoAReusedRecordAllocatesNothing) {
  SKIP_WITHOUT_COUNTING();
  RecordDecoder decoder;
  Record record;
  ASSERT_TRUE(decoder.decode(kRecord, record).ok());
  {
    CountAllocations scope;
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(decoder.decode(kRecord, record).ok());
  }
  EXPECT_EQ(allocation_counts.allocations, 0u);
}

TEST(NoAllocation, CounterSeesAllocations) {
  SKIP_WITHOUT_COUNTING();
  // Guards the guard: if operator new were not replaced, the tests above would pass vacuously.
  std::string* p = nullptr;
  {
    CountAllocations scope;
    p = new std::string(100, 'x');
  }
  delete p;
  EXPECT_GE(allocation_counts.allocations, 1u);
  EXPECT_GE(allocation_counts.bytes, 100u);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST(RecordDecoderKernel, UsesAVectorKernelOnX86) {
#if defined(__x86_64__)
  // src/CMakeLists.txt builds the decoder for x86-64-v2; the scalar fallback is several times
  // slower, so losing the flag must not go unnoticed.
  EXPECT_NE(RecordDecoder::kernel(), "fallback");
#endif
}

}  // namespace
}  // namespace sluice
