#include "sources/http/body_decoding.h"

#include <string>

#include <gtest/gtest.h>

#include "compress_for_test.h"

namespace sluice {
namespace {

using testing::gzip;
using testing::zstd;

TEST(BodyDecoding, ContentEncodingValues) {
  EXPECT_EQ(parse_content_encoding("").value(), BodyEncoding::kIdentity);
  EXPECT_EQ(parse_content_encoding("identity").value(), BodyEncoding::kIdentity);
  EXPECT_EQ(parse_content_encoding(" GZip ").value(), BodyEncoding::kGzip);
  EXPECT_EQ(parse_content_encoding("x-gzip").value(), BodyEncoding::kGzip);
  EXPECT_EQ(parse_content_encoding("zstd").value(), BodyEncoding::kZstd);
  auto br = parse_content_encoding("br");
  ASSERT_FALSE(br);
  EXPECT_EQ(br.error().message(),
            "Content-Encoding \"br\" is not supported (use gzip, zstd or none)");
  EXPECT_FALSE(parse_content_encoding("gzip, zstd"));  // one coding only
}

TEST(BodyDecoding, GzipAndZstdRoundTripIncludingSeveralMembersAndFrames) {
  std::string a(300000, 'a'), b = "second part\n";
  std::string out;
  ASSERT_TRUE(decode_body(BodyEncoding::kGzip, gzip(a), 1 << 20, out).ok());
  EXPECT_EQ(out, a);
  ASSERT_TRUE(decode_body(BodyEncoding::kGzip, gzip(a) + gzip(b), 1 << 20, out).ok());
  EXPECT_EQ(out, a + b);
  ASSERT_TRUE(decode_body(BodyEncoding::kZstd, zstd(a) + zstd(b), 1 << 20, out).ok());
  EXPECT_EQ(out, a + b);
  // Exactly at the limit is fine.
  ASSERT_TRUE(decode_body(BodyEncoding::kZstd, zstd(a), a.size(), out).ok());
  EXPECT_EQ(out.size(), a.size());
}

// 1 GiB of zeros compresses to about a megabyte; decoding stops at the limit, not at 1 GiB.
TEST(BodyDecoding, ABombStopsAtTheLimit) {
  std::string zeros(16 << 20, '\0');
  std::string gz = gzip(zeros, 9), zs = zstd(zeros);
  std::string bomb_gz, bomb_zs;
  for (int i = 0; i < 64; ++i) {
    bomb_gz += gz;
    bomb_zs += zs;
  }
  std::string out;
  Status st = decode_body(BodyEncoding::kGzip, bomb_gz, 1 << 20, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(st.error().message(), "the body decodes to more than the limit of 1048576 bytes");
  EXPECT_LE(out.capacity(), size_t(2 << 20));
  st = decode_body(BodyEncoding::kZstd, bomb_zs, 1 << 20, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_FALSE(decode_body(BodyEncoding::kIdentity, std::string(11, 'x'), 10, out).ok());
}

TEST(BodyDecoding, CorruptAndTruncatedStreamsAreRefused) {
  std::string data(5000, 'q');
  std::string out;
  std::string gz = gzip(data);
  Status st = decode_body(BodyEncoding::kGzip, gz.substr(0, gz.size() / 2), 1 << 20, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.error().message(), "gzip: the body ends in the middle of a stream");
  st = decode_body(BodyEncoding::kGzip, "this is not gzip", 1 << 20, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(st.error().message().substr(0, 6), "gzip: ");
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x55;  // in the CRC-32 trailer
  EXPECT_FALSE(decode_body(BodyEncoding::kGzip, bad_crc, 1 << 20, out).ok());

  std::string zs = zstd(data);
  st = decode_body(BodyEncoding::kZstd, zs.substr(0, zs.size() - 3), 1 << 20, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  st = decode_body(BodyEncoding::kZstd, "this is not zstd", 1 << 20, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message().substr(0, 6), "zstd: ");
}

}  // namespace
}  // namespace sluice
