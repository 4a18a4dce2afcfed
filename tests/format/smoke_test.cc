#include <gtest/gtest.h>

#include "core/record_decoder.h"
#include "format/log_format.h"

namespace sluice {
namespace {

TEST(LogFormatSmoke, RendersClf) {
  RecordDecoder decoder;
  Record record;
  ASSERT_TRUE(decoder.decode(R"({"client.ip":"192.0.2.7","req.method":"GET","req.url":"/a","req.proto":"HTTP/1.1","resp.status":200,"resp.body_bytes_written":0,"time.start":"2000-10-10T13:55:36Z"})",
                             record)
                  .ok());
  auto format = LogFormat::compile(R"(%h %l %u %t "%r" %>s %b)");
  ASSERT_TRUE(format.ok()) << format.error().message();
  EvalContext ctx;
  LineBuffer out;
  format->render(record, ctx, out);
  EXPECT_EQ(fmt::to_string(out), R"(192.0.2.7 - - [10/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 -)");
}

}  // namespace
}  // namespace sluice
