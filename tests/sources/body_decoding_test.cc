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
  EXPECT_EQ(std::string_view(out), a);
  ASSERT_TRUE(decode_body(BodyEncoding::kGzip, gzip(a) + gzip(b), 1 << 20, out).ok());
  EXPECT_EQ(std::string_view(out), a + b);
  ASSERT_TRUE(decode_body(BodyEncoding::kZstd, zstd(a) + zstd(b), 1 << 20, out).ok());
  EXPECT_EQ(std::string_view(out), a + b);
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

// The decoded copy is a body in progress too: its growth is charged to the body's lease, and a
// budget without room for it refuses it (503) rather than letting compression bypass it.
TEST(BodyDecoding, TheDecodedCopyIsChargedToTheBodyBudget) {
  std::string a(3 << 20, 'a');
  std::string gz = gzip(a);
  BodyBudget budget(1 << 20);
  {
    BodyLease lease(&budget);
    std::string out;
    ASSERT_TRUE(decode_body(BodyEncoding::kGzip, gz, 4 << 20, out, &lease).ok());
    EXPECT_EQ(out.size(), a.size());
    // Alone, a body may pass the budget; what it holds is its decoded copy's capacity.
    EXPECT_GE(lease.bytes(), a.size());
    EXPECT_EQ(budget.held(), lease.bytes());
  }
  EXPECT_EQ(budget.held(), 0u);

  BodyLease other(&budget);
  ASSERT_TRUE(other.grow(512 << 10));  // another body in progress
  BodyLease lease(&budget);
  std::string out;
  Status st = decode_body(BodyEncoding::kZstd, zstd(a), 4 << 20, out, &lease);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.error().message().find("body_budget"), std::string::npos);
  EXPECT_LE(budget.held(), budget.limit());
}

}  // namespace
}  // namespace sluice
