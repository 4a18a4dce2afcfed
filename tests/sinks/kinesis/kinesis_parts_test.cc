// The kinesis endpoint's pure parts: hash keys, the shard map, KPL aggregation, the PutRecords
// request and answer, error classes, the shard rate and the configuration.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "config/config_loader.h"
#include "sinks/kinesis/config.h"
#include "sinks/kinesis/hash_key.h"
#include "sinks/kinesis/kpl_aggregator.h"
#include "sinks/kinesis/request_builder.h"
#include "sinks/kinesis/retry_logic.h"
#include "sinks/kinesis/shard_map.h"
#include "sinks/kinesis/shard_rate.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

TEST(KinesisHashKey, ParsesAndFormatsTheWholeRange) {
  EXPECT_EQ(format_hash_key(0), "0");
  EXPECT_EQ(format_hash_key(kMaxHashKey), "340282366920938463463374607431768211455");
  EXPECT_EQ(parse_hash_key("340282366920938463463374607431768211455"), kMaxHashKey);
  EXPECT_EQ(parse_hash_key("85070591730234615865843651857942052864"), HashKey(1) << 126);
  EXPECT_FALSE(parse_hash_key("340282366920938463463374607431768211456"));  // 2^128
  EXPECT_FALSE(parse_hash_key(""));
  EXPECT_FALSE(parse_hash_key("12a"));
  EXPECT_FALSE(parse_hash_key("-1"));
  for (HashKey k : {HashKey(1), HashKey(12345678901234567890ull) * 1000003, kMaxHashKey - 7}) {
    EXPECT_EQ(parse_hash_key(format_hash_key(k)), k);
  }
}

TEST(KinesisHashKey, PartitionKeyHashIsTheMd5ReadBigEndian) {
  // MD5("a") = 0cc175b9c0f1b6a831c399e269772661
  HashKey want = (HashKey(0x0cc175b9c0f1b6a8ull) << 64) | HashKey(0x31c399e269772661ull);
  EXPECT_EQ(partition_key_hash("a"), want);
}

constexpr const char* kFourShards = R"({"Shards":[
 {"ShardId":"shardId-000000000001","HashKeyRange":{"StartingHashKey":"85070591730234615865843651857942052864","EndingHashKey":"170141183460469231731687303715884105727"},"SequenceNumberRange":{"StartingSequenceNumber":"1"}},
 {"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"85070591730234615865843651857942052863"},"SequenceNumberRange":{"StartingSequenceNumber":"1","EndingSequenceNumber":null}},
 {"ShardId":"shardId-000000000002","HashKeyRange":{"StartingHashKey":"170141183460469231731687303715884105728","EndingHashKey":"255211775190703847597530955573826158591"},"SequenceNumberRange":{"StartingSequenceNumber":"1"}},
 {"ShardId":"shardId-000000000003","HashKeyRange":{"StartingHashKey":"255211775190703847597530955573826158592","EndingHashKey":"340282366920938463463374607431768211455"},"SequenceNumberRange":{"StartingSequenceNumber":"1"}},
 {"ShardId":"shardId-000000000009","ParentShardId":null,"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"340282366920938463463374607431768211455"},"SequenceNumberRange":{"StartingSequenceNumber":"1","EndingSequenceNumber":"9"}}
],"NextToken":null})";

TEST(KinesisShardMap, ParsesAPageWithNullsAndClosedShards) {
  auto page = parse_list_shards(kFourShards);
  ASSERT_TRUE(page.ok()) << page.error().message();
  EXPECT_EQ(page->next_token, "");
  ASSERT_EQ(page->shards.size(), 5u);
  EXPECT_TRUE(page->shards[1].open);   // explicit null EndingSequenceNumber
  EXPECT_FALSE(page->shards[4].open);  // closed
  auto map = ShardMap::build(page->shards);
  ASSERT_TRUE(map.ok()) << map.error().message();
  ASSERT_EQ(map->open().size(), 4u);
  EXPECT_EQ(map->closed_count(), 1u);
  EXPECT_EQ(map->open()[0].id, "shardId-000000000000");  // sorted by range
  EXPECT_EQ(map->find(0), 0u);
  EXPECT_EQ(map->find((HashKey(1) << 126) - 1), 0u);
  EXPECT_EQ(map->find(HashKey(1) << 126), 1u);
  EXPECT_EQ(map->find(kMaxHashKey), 3u);
}

TEST(KinesisShardMap, NextTokenAndMalformedAnswers) {
  auto page = parse_list_shards(R"({"Shards":[],"NextToken":"abc"})");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next_token, "abc");
  EXPECT_FALSE(parse_list_shards("not json").ok());
  EXPECT_FALSE(parse_list_shards(R"({"NextToken":"x"})").ok());
  auto bad = parse_list_shards(
      R"({"Shards":[{"ShardId":"s","HashKeyRange":{"StartingHashKey":"9","EndingHashKey":"1"}}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("shard s"), std::string::npos);
}

TEST(KinesisShardMap, RefusesGapsAndOverlaps) {
  std::vector<ShardInfo> gap = {{"a", 0, 10, true}, {"b", 12, kMaxHashKey, true}};
  auto m = ShardMap::build(gap);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("shard b starts at 12, expected 11"), std::string::npos);
  std::vector<ShardInfo> overlap = {{"a", 0, kMaxHashKey, true}, {"b", 0, 10, true}};
  EXPECT_FALSE(ShardMap::build(overlap).ok());
  std::vector<ShardInfo> short_of_end = {{"a", 0, 10, true}};
  EXPECT_FALSE(ShardMap::build(short_of_end).ok());
  EXPECT_FALSE(ShardMap::build({}).ok());
  std::vector<ShardInfo> one = {{"a", 0, kMaxHashKey, true}};
  auto ok = ShardMap::build(one);
  ASSERT_TRUE(ok.ok());
  std::vector<ShardInfo> other = {{"b", 0, kMaxHashKey, true}};
  EXPECT_FALSE(ok->same_open_shards(ShardMap::build(other).value()));
  EXPECT_TRUE(ok->same_open_shards(ShardMap::build(one).value()));
}

// A reader of the aggregated format written here from the format's description, so the test
// does not trust the writer's own notion of it.
struct Unpacked {
  std::vector<std::string> keys;
  std::vector<std::pair<uint64_t, std::string>> records;
};

uint64_t read_varint(std::string_view& s) {
  uint64_t v = 0;
  for (int shift = 0; !s.empty(); shift += 7) {
    auto b = uint8_t(s.front());
    s.remove_prefix(1);
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  return v;
}

std::optional<Unpacked> unpack(std::string_view blob) {
  if (blob.substr(0, 4) != std::string_view("\xF3\x89\x9A\xC2", 4) || blob.size() < 20) {
    return std::nullopt;
  }
  std::string_view pb = blob.substr(4, blob.size() - 20);
  unsigned char md5[16];
  unsigned int n = 0;
  EVP_Digest(pb.data(), pb.size(), md5, &n, EVP_md5(), nullptr);
  if (blob.substr(blob.size() - 16) != std::string_view(reinterpret_cast<char*>(md5), 16)) {
    return std::nullopt;
  }
  Unpacked out;
  while (!pb.empty()) {
    uint64_t tag = read_varint(pb);
    uint64_t len = read_varint(pb);
    std::string_view body = pb.substr(0, len);
    pb.remove_prefix(len);
    if (tag == ((1 << 3) | 2)) {
      out.keys.emplace_back(body);
    } else if (tag == ((3 << 3) | 2)) {
      uint64_t index = 0;
      std::string data;
      while (!body.empty()) {
        uint64_t t = read_varint(body);
        if (t == ((1 << 3) | 0)) {
          index = read_varint(body);
        } else if (t == ((3 << 3) | 2)) {
          uint64_t l = read_varint(body);
          data = std::string(body.substr(0, l));
          body.remove_prefix(l);
        } else {
          return std::nullopt;
        }
      }
      out.records.emplace_back(index, data);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

TEST(KinesisKpl, AggregatesLinesWithADedupedKeyTableAndAnMd5) {
  KplAggregator agg;
  std::string big(300, 'x');  // a length needing a two-byte varint
  agg.add("host-a", "first line");
  agg.add("host-b", "second");
  agg.add("host-a", big);
  EXPECT_EQ(agg.lines(), 3u);
  EXPECT_EQ(agg.first_partition_key(), "host-a");
  size_t predicted = agg.size();
  std::string blob = "prefix";
  agg.finish(blob);
  ASSERT_EQ(blob.substr(0, 6), "prefix");
  blob.erase(0, 6);
  EXPECT_EQ(blob.size(), predicted);
  auto u = unpack(blob);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->keys, (std::vector<std::string>{"host-a", "host-b"}));
  ASSERT_EQ(u->records.size(), 3u);
  EXPECT_EQ(u->records[0], (std::pair<uint64_t, std::string>{0, "first line"}));
  EXPECT_EQ(u->records[1], (std::pair<uint64_t, std::string>{1, "second"}));
  EXPECT_EQ(u->records[2], (std::pair<uint64_t, std::string>{0, big}));
  EXPECT_EQ(agg.lines(), 0u);  // finish starts over
  blob[10] ^= 1;
  EXPECT_FALSE(unpack(blob).has_value());
}

TEST(KinesisKpl, FitsKeepsTheRecordWithinTheLimitCountingTheOuterKey) {
  KplAggregator agg;
  const size_t limit = 1000;
  std::string line(90, 'l');
  size_t n = 0;
  while (n == 0 || agg.fits("key", line, limit)) {
    agg.add("key", line);
    ++n;
  }
  EXPECT_LE(agg.size() + 3, limit);
  EXPECT_GT(agg.size() + 3 + 90, limit - 5);  // it stopped because the next would not fit
  EXPECT_EQ(KplAggregator::single_size("key", line), [&] {
    KplAggregator one;
    one.add("key", line);
    return one.size() + 3;
  }());
}

KinesisSinkSettings settings_for(std::string url) {
  KinesisSinkSettings s;
  s.topic = "logs";
  s.region = "us-east-1";
  s.endpoint_url = url;
  s.parsed_endpoint = parse_http_url(url).value();
  return s;
}

TEST(KinesisRequestBuilder, PutRecordsBodyAndSignedHeaders) {
  auto s = settings_for("http://127.0.0.1:4567");
  KinesisRequestBuilder b(s);
  std::string body;
  b.begin_put_records(body);
  b.add_record(body, "hello", "k\"1", "");
  b.add_record(body, std::string_view("\x00\xff", 2), "k2", "42");
  b.finish_put_records(body);
  EXPECT_EQ(body, R"({"StreamName":"logs","Records":[{"Data":"aGVsbG8=","PartitionKey":"k\"1"},)"
                  R"({"Data":"AP8=","PartitionKey":"k2","ExplicitHashKey":"42"}]})");
  EXPECT_EQ(b.list_shards_body(""), R"({"StreamName":"logs","MaxResults":1000})");
  EXPECT_EQ(b.list_shards_body("tok"), R"({"NextToken":"tok","MaxResults":1000})");

  AwsCredentials creds{"AKIDEXAMPLE", "secret/key", "session-token"};
  auto req = b.request("PutRecords", std::make_shared<std::string>(body), creds,
                       std::chrono::system_clock::from_time_t(1700000000));
  ASSERT_TRUE(req.ok());
  std::string all;
  for (const auto& h : req->headers) all += h + "\n";
  EXPECT_NE(all.find("Host: 127.0.0.1:4567\n"), std::string::npos);
  EXPECT_NE(all.find("X-Amz-Target: Kinesis_20131202.PutRecords\n"), std::string::npos);
  EXPECT_NE(all.find("Content-Type: application/x-amz-json-1.1\n"), std::string::npos);
  EXPECT_NE(all.find("X-Amz-Security-Token: session-token\n"), std::string::npos);
  EXPECT_NE(all.find("Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/"
                     "kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                     "x-amz-security-token;x-amz-target, Signature="),
            std::string::npos);
  EXPECT_EQ(all.find("secret/key"), std::string::npos);
}

TEST(KinesisRequestBuilder, ParsesPartialFailures) {
  auto r = parse_put_records(
      R"({"FailedRecordCount":1,"Records":[{"SequenceNumber":"1","ShardId":"shardId-000000000001","ErrorCode":null},
      {"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard shardId-000000000002"}]})",
      2);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->failed_record_count, 1u);
  EXPECT_TRUE(r->entries[0].ok);
  EXPECT_EQ(r->entries[0].shard_id, "shardId-000000000001");
  EXPECT_FALSE(r->entries[1].ok);
  EXPECT_EQ(r->entries[1].error_code, "ProvisionedThroughputExceededException");
  // An answer that does not match the request is an error, never a guess.
  EXPECT_FALSE(parse_put_records(R"({"FailedRecordCount":0,"Records":[]})", 1).ok());
  EXPECT_FALSE(parse_put_records("<html>", 1).ok());
}

HttpOutcome answer(long status, std::string body) {
  HttpOutcome o;
  o.status = status;
  o.body = std::move(body);
  return o;
}

TEST(KinesisRetryLogic, SortsErrorsIntoTheThreeClasses) {
  using A = KinesisVerdict::Action;
  EXPECT_EQ(classify_kinesis_call(answer(200, "{}"), "w", 3).action, A::kSuccess);
  auto t = classify_kinesis_call(
      answer(400, R"({"__type":"ProvisionedThroughputExceededException","message":"slow"})"), "w",
      3);
  EXPECT_EQ(t.action, A::kRetry);
  EXPECT_EQ(classify_kinesis_call(answer(503, ""), "w", 3).action, A::kRetry);
  auto nf = classify_kinesis_call(
      answer(
          400,
          R"({"__type":"com.amazonaws.kinesis#ResourceNotFoundException","message":"Stream x not found"})"),
      "PutRecords to s", 3);
  EXPECT_EQ(nf.action, A::kRetrySlowly);
  EXPECT_EQ(nf.error_class, ErrorClass::kConfiguration);
  EXPECT_TRUE(nf.refresh_shards);
  EXPECT_EQ(nf.message, "PutRecords to s: ResourceNotFoundException: Stream x not found");
  auto denied = classify_kinesis_call(answer(400, R"({"__type":"AccessDeniedException"})"), "w", 3);
  EXPECT_EQ(denied.error_class, ErrorClass::kConfiguration);
  auto expired =
      classify_kinesis_call(answer(400, R"({"__type":"ExpiredTokenException"})"), "w", 3);
  EXPECT_TRUE(expired.refresh_credentials);
  auto invalid = classify_kinesis_call(answer(400, R"({"__type":"ValidationException"})"), "w", 3);
  EXPECT_EQ(invalid.action, A::kIsolate);
  auto one = classify_kinesis_call(answer(400, R"({"__type":"ValidationException"})"), "w", 1);
  EXPECT_EQ(one.action, A::kDeadLetter);
  EXPECT_EQ(one.error_class, ErrorClass::kPermanent);
  HttpOutcome down;
  down.transport_ok = false;
  down.transport = HttpOutcome::Transport::kConnection;
  down.transport_error = "refused";
  EXPECT_EQ(classify_kinesis_call(down, "w", 3).action, A::kRetry);

  EXPECT_EQ(classify_record_error("ProvisionedThroughputExceededException"),
            KinesisEntryAction::kThrottled);
  EXPECT_EQ(classify_record_error("InternalFailure"), KinesisEntryAction::kRetry);
  EXPECT_EQ(classify_record_error("KMSThrottlingException"), KinesisEntryAction::kRetry);
  EXPECT_EQ(classify_record_error("KMSAccessDeniedException"), KinesisEntryAction::kRetrySlowly);
}

// Record i of a call holds lines_per_record[i] lines (KPL aggregates hold several): a failed
// record's lines are the ones sent again.
TEST(KinesisRetryLogic, AnAnswerBecomesAVerdictOnLines) {
  auto entry = [](bool ok, std::string code) {
    PutRecordsEntryResult r;
    r.ok = ok;
    r.error_code = std::move(code);
    return r;
  };
  PutRecordsResult result;
  result.entries = {entry(true, ""), entry(false, "ProvisionedThroughputExceededException"),
                    entry(true, ""), entry(false, "ProvisionedThroughputExceededException")};
  const uint32_t lines[] = {1, 3, 1, 2};
  size_t throttled = 0;
  Verdict v = put_records_verdict(result, lines, "s", throttled);
  EXPECT_EQ(v.kind, Verdict::Kind::kRetryPartial);
  EXPECT_EQ(v.failed, (std::vector<uint32_t>{1, 2, 3, 5, 6}));
  EXPECT_TRUE(v.throttled);  // only throttling: shaped for, no error
  EXPECT_EQ(throttled, 2u);

  result.entries[3] = entry(false, "InternalFailure");
  v = put_records_verdict(result, lines, "s", throttled);
  EXPECT_FALSE(v.throttled);
  EXPECT_EQ(v.error_class, ErrorClass::kRetryable);
  EXPECT_EQ(throttled, 1u);
  EXPECT_NE(v.message.find("2 of 4 records failed (1 throttled)"), std::string::npos) << v.message;

  result.entries[3] = entry(false, "KMSDisabledException");
  EXPECT_EQ(put_records_verdict(result, lines, "s", throttled).error_class,
            ErrorClass::kConfiguration);

  for (auto& e : result.entries) e = entry(true, "");
  EXPECT_EQ(put_records_verdict(result, lines, "s", throttled).kind, Verdict::Kind::kSuccessful);
}

TEST(KinesisRetryLogic, AWholeCallsVerdict) {
  KinesisVerdict k;
  k.action = KinesisVerdict::Action::kIsolate;
  k.error_class = ErrorClass::kPermanent;
  k.message = "PutRecords: ValidationException";
  Verdict v = to_verdict(k);
  EXPECT_EQ(v.kind, Verdict::Kind::kRetry);
  ASSERT_TRUE(v.retry_after.has_value());
  EXPECT_EQ(v.retry_after->count(), 0);  // the records go again at once, one per call
  k.action = KinesisVerdict::Action::kDeadLetter;
  EXPECT_EQ(to_verdict(k).kind, Verdict::Kind::kDontRetry);
  k.action = KinesisVerdict::Action::kRetrySlowly;
  k.error_class = ErrorClass::kConfiguration;
  v = to_verdict(k);
  EXPECT_EQ(v.kind, Verdict::Kind::kRetry);
  EXPECT_EQ(v.error_class, ErrorClass::kConfiguration);  // the driver waits the cap
  EXPECT_FALSE(v.retry_after.has_value());
}

TEST(KinesisShardRate, ShapesToTheLimitAndBacksOffOnThrottling) {
  auto t0 = ShardRate::Clock::time_point{} + 100s;
  ShardRate rate({1000, 1e6}, t0);
  // A burst of a tenth of a second, then the refill rate.
  int sent = 0;
  while (rate.allows(1, 100, t0)) {
    rate.take(1, 100);
    ++sent;
  }
  EXPECT_EQ(sent, 100);
  // Over one simulated second, sending whenever allowed: about the limit, never far above.
  auto t = t0;
  int second = 0;
  for (int ms = 1; ms <= 1000; ++ms) {
    t = t0 + std::chrono::milliseconds(ms);
    while (rate.allows(1, 100, t)) {
      rate.take(1, 100);
      ++second;
    }
  }
  EXPECT_GE(second, 990);
  EXPECT_LE(second, 1001);
  // A throttle cuts the rate at most once per second, in proportion to the share refused since
  // the last cut.
  rate.on_result(100, 10, 100 - 10, t);  // 10% refused: keep 85%
  EXPECT_NEAR(rate.factor(), 0.85, 1e-9);
  rate.on_result(100, 90, 100 - 90, t + 100ms);  // within the same second: counted, no second cut
  EXPECT_NEAR(rate.factor(), 0.85, 1e-9);
  EXPECT_EQ(rate.throttled(), 100u);
  // And it climbs back while the shard accepts.
  (void)rate.allows(1, 1, t + 3s);
  EXPECT_GT(rate.factor(), 0.85);
  (void)rate.allows(1, 1, t + 60s);
  EXPECT_DOUBLE_EQ(rate.factor(), 1.0);
  // The refusals counted since the last cut decide the next: 90 of 100 earlier, then 10 of
  // 4,900 more: 100 of 5,000, 2%, so 3% off.
  rate.on_result(4900, 10, 4900 - 10, t + 61s);
  EXPECT_NEAR(rate.factor(), 0.97, 1e-9);
  // One refused record of many takes off the least cut.
  rate.on_result(5000, 1, 5000 - 1, t + 62s);
  EXPECT_NEAR(rate.factor(), 0.97 * (1.0 - ShardRate::kMinCut), 1e-9);
  (void)rate.allows(1, 1, t + 200s);
  // A record larger than the burst still goes, alone, when the bucket is full.
  auto later = t + 70s;
  EXPECT_TRUE(rate.allows(1, 900000, later));
  rate.take(1, 900000);
  EXPECT_FALSE(rate.allows(1, 100, later));
  EXPECT_GT(rate.wait_for(1, 100), 700ms);
}

// Calls of 100 records every 100 ms for `seconds`, `refused` of each throttled; returns the time
// after the last.
ShardRate::Clock::time_point send_steadily(ShardRate& rate, ShardRate::Clock::time_point t,
                                           int seconds, size_t refused) {
  for (int i = 0; i < seconds * 10; ++i) {
    t += 100ms;
    rate.on_result(100, refused, 100 - refused, t);
  }
  return t;
}

TEST(KinesisShardRate, AShardThatTakesHalfIsHalvedAtOnce) {
  auto t0 = ShardRate::Clock::time_point{} + 100s;
  ShardRate rate({1000, 1e6}, t0);
  // The shard's real limit is 500 a second: half of every call is refused.
  send_steadily(rate, t0, 1, 50);
  EXPECT_NEAR(rate.factor(), ShardRate::kMaxCut, 1e-9);
}

TEST(KinesisShardRate, ABurstRefusedAfterAStallCutsToWhatTheShardTook) {
  auto t0 = ShardRate::Clock::time_point{} + 100s;
  ShardRate rate({1000, 1e6}, t0);
  // Two seconds at the full rate, all accepted.
  auto t = send_steadily(rate, t0, 2, 0);
  EXPECT_DOUBLE_EQ(rate.factor(), 1.0);
  // A stall bunched 1.5 s of calls into one of the shard's windows: a third refused at once.
  // By the share alone this would halve the rate; the shard took 1,000 a second just before.
  rate.on_result(1500, 500, 1500 - 500, t + 100ms);
  EXPECT_NEAR(rate.factor(), 1.0 - ShardRate::kMinCut, 1e-9) << "only the least cut";
}

TEST(KinesisShardRate, RecordsThatFailedOtherwiseAreNotCountedAsTaken) {
  auto t0 = ShardRate::Clock::time_point{} + 100s;
  ShardRate rate({1000, 1e6}, t0);
  // Each call of 100: 20 throttled, 60 failed otherwise (InternalFailure), 20 accepted. The shard
  // took 200 a second, not 800; the share refused (20%) decides the cut.
  auto t = t0;
  for (int i = 0; i < 10; ++i) rate.on_result(100, 20, 20, t += 100ms);
  EXPECT_NEAR(rate.factor(), 0.7, 1e-9);
}

TEST(KinesisShardRate, ACutStopsAtWhatTheShardAccepted) {
  auto t0 = ShardRate::Clock::time_point{} + 100s;
  ShardRate rate({1000, 1e6}, t0);
  // The shard takes 800 a second: a fifth refused. By the share the rate would keep 70%; the
  // shard took 800 a second over the last second, so it keeps 97% of that.
  send_steadily(rate, t0, 1, 20);
  EXPECT_NEAR(rate.factor(), ShardRate::kUnderAccepted * 0.8, 1e-9);
}

TEST(KinesisConfig, ReadsFieldsAndNamesMistakes) {
  auto good = load_config_string(R"toml(
[[service]]
id = "s"
  [[service.logging]]
  type = "kinesis"
  name = "k"
  topic = "logs"
  region = "eu-west-1"
  access_key = "AKID"
  secret_key = "SECRET"
  partition_key = "%{req.http.host}V"
  aggregation = "kpl"
  request_max_entries = 2000
  period_ms = 50
)toml",
                                 "t.toml");
  ASSERT_TRUE(good.ok()) << good.error().message();
  const auto& ks =
      dynamic_cast<const KinesisSinkSettings&>(*good->services[0].endpoints[0].settings);
  EXPECT_EQ(ks.endpoint_url, "https://kinesis.eu-west-1.amazonaws.com");
  EXPECT_EQ(ks.request_max_entries, 500u);  // clamped to the API's limit
  EXPECT_DOUBLE_EQ(ks.period_seconds, 0.05);
  EXPECT_EQ(ks.aggregation, KinesisAggregation::kKpl);
  EXPECT_EQ(ks.line_key_format(), "%{req.http.host}V");

  auto bad = load_config_string(R"toml(
[[service]]
id = "s"
  [[service.logging]]
  type = "kinesis"
  name = "k"
  topic = "bad name!"
  region = "us-east-1"
  access_key = "AKID"
  partition_key = "%{std.tolowerr(req.url)}V"
  max_record_bytes = "20MiB"
  external_id = "x"
)toml",
                                "t.toml");
  ASSERT_FALSE(bad.ok());
  const std::string& m = bad.error().message();
  EXPECT_NE(m.find("topic"), std::string::npos) << m;
  EXPECT_NE(m.find("secret_key"), std::string::npos) << m;
  EXPECT_NE(m.find("partition_key"), std::string::npos) << m;
  EXPECT_NE(m.find("max_record_bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("external_id needs iam_role"), std::string::npos) << m;
}

}  // namespace
}  // namespace sluice
