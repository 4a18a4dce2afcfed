#include "core/record.h"

#include <string>

#include <gtest/gtest.h>

#include "core/record_decoder.h"

namespace sluice {
namespace {

Record decoded(std::string_view json) {
  RecordDecoder decoder;
  Record r;
  Status st = decoder.decode(json, r);
  if (!st.ok()) ADD_FAILURE() << st.error().message() << " in " << json;
  return r;
}

TEST(Record, AddAndFindFoldCase) {
  Record r;
  r.reserve_storage(64);
  r.add(r.store("req.http.Content-Type"), Value::string(r.store("text/html")));
  ASSERT_NE(r.find("req.http.content-type"), nullptr);
  EXPECT_EQ(r.find("REQ.HTTP.CONTENT-TYPE")->str, "text/html");
  EXPECT_EQ(r.find("req.http.content-typ"), nullptr);
  EXPECT_EQ(r.find("req.http.content-typex"), nullptr);
}

TEST(Record, AddReplacesTheSameNameInAnyCase) {
  Record r;
  r.add("resp.status", Value::integer_value(200));
  r.add("RESP.STATUS", Value::integer_value(503));
  ASSERT_EQ(r.fields().size(), 1u);
  EXPECT_EQ(r.find("resp.status")->integer, 503);
}

TEST(Record, GrowsItsIndexAndKeepsEveryField) {
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back("k" + std::to_string(i));
  Record r;
  for (int i = 0; i < 500; ++i) r.add(keys[i], Value::integer_value(i));
  for (int i = 0; i < 500; ++i) {
    const Value* v = r.find(keys[i]);
    ASSERT_NE(v, nullptr) << keys[i];
    EXPECT_EQ(v->integer, i);
  }
}

TEST(Record, ClearForgetsFieldsAndIsReusable) {
  Record r;
  r.add("a", Value::integer_value(1));
  r.clear();
  EXPECT_TRUE(r.fields().empty());
  EXPECT_EQ(r.find("a"), nullptr);
  r.add("b", Value::integer_value(2));
  EXPECT_EQ(r.find("a"), nullptr);
  EXPECT_EQ(r.find("b")->integer, 2);
}

TEST(Record, StoreRefusesToOverflowItsReservation) {
  Record r;
  r.reserve_storage(4);
  EXPECT_EQ(r.store("abcd"), "abcd");
  EXPECT_TRUE(r.store("e").empty());
  EXPECT_EQ(r.store_available(), 0u);
}

TEST(RecordGet, PlainVariablesAndMissingOnes) {
  Record r = decoded(R"({"my.custom.key":"v","geo.city":"Tokyo"})");
  EXPECT_EQ(r.get(VariableRef::make("my.custom.key")).str, "v");
  EXPECT_EQ(r.get(VariableRef::make("geo.city")).str, "Tokyo");
  EXPECT_FALSE(r.get(VariableRef::make("geo.country")).is_set());
}

TEST(RecordGet, TimeStartIsATimeEvenWhenSentAsText) {
  Record r = decoded(R"({"time.start":"2026-11-21T17:00:00.25+09:00"})");
  Value v = r.get(VariableRef::make("time.start"));
  EXPECT_EQ(v.kind, ValueKind::kTime);
  EXPECT_EQ(v.integer, 1795248000250000);
}

TEST(RecordGet, TimeStartFromEpochNumbers) {
  int64_t usec = 0;
  EXPECT_TRUE(decoded(R"({"time.start.usec":1795248000250000})").start_usec(usec));
  EXPECT_EQ(usec, 1795248000250000);
  EXPECT_TRUE(decoded(R"({"time.start.msec":1795248000250})").start_usec(usec));
  EXPECT_EQ(usec, 1795248000250000);
  EXPECT_TRUE(decoded(R"({"time.start.sec":1795248000})").start_usec(usec));
  EXPECT_EQ(usec, 1795248000000000);
  EXPECT_FALSE(decoded(R"({"time.start":"not a time"})").start_usec(usec));
  EXPECT_FALSE(decoded("{}").start_usec(usec));
}

// time.start is parsed once per record and cached; the cache must follow the record's contents
// through reuse (decode, clear) and a later field that replaces the first.
TEST(RecordGet, CachedStartFollowsTheRecordThroughReuse) {
  RecordDecoder decoder;
  Record r;
  const VariableRef start = VariableRef::make("time.start");
  ASSERT_TRUE(decoder.decode(R"({"time.start":"2026-11-21T08:00:00Z"})", r).ok());
  EXPECT_EQ(r.get(start).integer, 1795248000000000);
  ASSERT_TRUE(decoder.decode(R"({"time.start":"2026-11-21T08:00:01Z"})", r).ok());
  EXPECT_EQ(r.get(start).integer, 1795248001000000);
  ASSERT_TRUE(decoder.decode(R"({"time.start.sec":1795248002})", r).ok());
  EXPECT_EQ(r.get(start).integer, 1795248002000000);
  ASSERT_TRUE(decoder.decode("{}", r).ok());
  EXPECT_FALSE(r.get(start).is_set());
  r.add("time.start", Value::string("2026-11-21T08:00:03Z"));
  EXPECT_EQ(r.get(start).integer, 1795248003000000);
  r.add("TIME.START", Value::string("2026-11-21T08:00:04Z"));
  EXPECT_EQ(r.get(start).integer, 1795248004000000);
  r.add("time.start", Value::string("not a time"));
  EXPECT_EQ(r.get(start).kind, ValueKind::kString);
  int64_t usec;
  EXPECT_FALSE(r.start_usec(usec));
}

TEST(RecordGet, ElapsedFromAnyUnit) {
  int64_t usec = 0;
  EXPECT_TRUE(decoded(R"({"time.elapsed.usec":1834})").elapsed_usec(usec));
  EXPECT_EQ(usec, 1834);
  EXPECT_TRUE(decoded(R"({"time.elapsed.usec":"1834"})").elapsed_usec(usec));
  EXPECT_EQ(usec, 1834);
  EXPECT_TRUE(decoded(R"({"time.elapsed.msec":7})").elapsed_usec(usec));
  EXPECT_EQ(usec, 7000);
  EXPECT_TRUE(decoded(R"({"time.elapsed.sec":2})").elapsed_usec(usec));
  EXPECT_EQ(usec, 2000000);
  EXPECT_TRUE(decoded(R"({"time.elapsed":0.25})").elapsed_usec(usec));
  EXPECT_EQ(usec, 250000);
  EXPECT_FALSE(decoded("{}").elapsed_usec(usec));
}

TEST(RecordGet, NowUsesTheRecordThenTheEndThenTheClock) {
  Record with_now =
      decoded(R"({"now":"2026-11-21T08:00:00Z","time.start":"2000-01-01T00:00:00Z"})");
  EXPECT_EQ(with_now.get(VariableRef::make("now"), 5).integer, 1795248000000000);
  Record with_end = decoded(R"({"time.start":"2026-11-21T08:00:00Z","time.elapsed.usec":1500000})");
  EXPECT_EQ(with_end.get(VariableRef::make("now"), 5).integer, 1795248001500000);
  Record bare = decoded("{}");
  Value now = bare.get(VariableRef::make("now"), 123456789);
  EXPECT_EQ(now.kind, ValueKind::kTime);
  EXPECT_EQ(now.integer, 123456789);
}

}  // namespace
}  // namespace sluice
