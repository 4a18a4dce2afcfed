// The record shape fast paths (see Record): a record with the keys of the one before, in the
// same order, reuses its index and the positions that lookups found. Each test changes the
// shape in one way and checks that no stale position or index entry answers a lookup.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/record.h"
#include "core/record_decoder.h"

namespace sluice {
namespace {

class RecordShape : public ::testing::Test {
 protected:
  void decode(std::string_view json) {
    Status st = decoder_.decode(json, record_);
    ASSERT_TRUE(st.ok()) << st.error().message() << " in " << json;
  }
  // The value of a variable as text, "-" when the record does not carry it.
  std::string get(const VariableRef& ref) {
    Value v = record_.get(ref);
    if (!v.is_set()) return "-";
    if (v.kind == ValueKind::kInteger) return std::to_string(v.integer);
    return std::string(v.str);
  }

  RecordDecoder decoder_;
  Record record_;
  VariableRef a_ = VariableRef::make("a");
  VariableRef b_ = VariableRef::make("b");
  VariableRef c_ = VariableRef::make("c");
  VariableRef x_ = VariableRef::make("x");
};

TEST_F(RecordShape, SameKeysNewValues) {
  decode(R"({"a":"1","b":"2","c":"3"})");
  EXPECT_EQ(get(a_) + get(b_) + get(c_) + get(x_), "123-");
  decode(R"({"a":"4","b":"5","c":"6"})");
  EXPECT_TRUE(record_.follows_shape());
  EXPECT_EQ(get(a_) + get(b_) + get(c_) + get(x_), "456-");
}

TEST_F(RecordShape, OtherOrder) {
  decode(R"({"a":"1","b":"2","c":"3"})");
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "123");
  decode(R"({"c":"6","a":"4","b":"5"})");
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "456");
  decode(R"({"a":"7","b":"8","c":"9"})");
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "789");
}

TEST_F(RecordShape, MissingKeyAtTheEndAndInTheMiddle) {
  decode(R"({"a":"1","b":"2","c":"3"})");
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "123");
  decode(R"({"a":"4","b":"5"})");  // a prefix of the shape
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "45-");
  decode(R"({"a":"1","b":"2","c":"3"})");
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "123");
  decode(R"({"a":"4","c":"6"})");
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "4-6");
}

TEST_F(RecordShape, ExtraKeyThatAnEarlierShapeLacked) {
  decode(R"({"a":"1","b":"2"})");
  EXPECT_EQ(get(x_), "-");  // remembered as absent for this shape
  decode(R"({"a":"1","b":"2","x":"9"})");
  EXPECT_EQ(get(x_), "9");
  decode(R"({"x":"8","a":"1","b":"2"})");
  EXPECT_EQ(get(x_), "8");
  decode(R"({"a":"1","b":"2"})");
  EXPECT_EQ(get(x_), "-");
}

TEST_F(RecordShape, RepeatedKeyMakesNoShapeAndTheLastValueWins) {
  decode(R"({"a":"1","b":"2"})");
  EXPECT_EQ(get(a_) + get(b_), "12");
  decode(R"({"a":"1","b":"2","a":"3"})");
  EXPECT_FALSE(record_.follows_shape());
  EXPECT_EQ(get(a_) + get(b_), "32");
  EXPECT_EQ(record_.fields().size(), 2u);
  decode(R"({"a":"1","b":"2","a":"3"})");
  EXPECT_EQ(get(a_) + get(b_), "32");
  decode(R"({"b":"5","A":"4"})");
  EXPECT_EQ(get(a_) + get(b_), "45");
  decode(R"({"b":"5","A":"4","a":"6"})");
  EXPECT_EQ(get(a_) + get(b_), "65");
}

TEST_F(RecordShape, KeysDifferingOnlyInCaseOrLength) {
  decode(R"({"req.http.Host":"h1","ab":"1"})");
  VariableRef host = VariableRef::make("req.http.host");
  VariableRef ab = VariableRef::make("ab");
  VariableRef abc = VariableRef::make("abc");
  EXPECT_EQ(get(host) + get(ab) + get(abc), "h11-");
  decode(R"({"req.http.HOST":"h2","abc":"2"})");
  EXPECT_EQ(get(host) + get(ab) + get(abc), "h2-2");
  decode(R"({"req.http.HOST":"h3","a":"3"})");
  EXPECT_EQ(get(host) + get(ab) + get(abc) + get(a_), "h3--3");
}

TEST_F(RecordShape, EscapedKeysAreComparedAfterUnescaping) {
  VariableRef quoted = VariableRef::make("a\"b");
  VariableRef slash = VariableRef::make("c\\");
  for (int i = 0; i < 3; ++i) {
    decode(R"({"a\"b":"1","c\\":"2","a\u0022b2":"3"})");
    EXPECT_EQ(get(quoted) + get(slash), "12");
  }
  decode(R"({"a\"b":"4","c\\x":"5"})");
  EXPECT_EQ(get(quoted) + get(slash), "4-");
}

TEST_F(RecordShape, ErrorHalfWayThroughARecord) {
  decode(R"({"a":"1","b":"2","c":"3"})");
  EXPECT_EQ(get(c_), "3");
  EXPECT_FALSE(decoder_.decode(R"({"a":"1","b":tru,"c":"3"})", record_).ok());
  EXPECT_EQ(get(a_) + get(c_), "--");
  EXPECT_FALSE(decoder_.decode(R"({"a":"1","x":"2","c":[})", record_).ok());
  EXPECT_EQ(get(a_) + get(x_), "--");
  decode(R"({"a":"1","b":"2","c":"3"})");
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "123");
}

TEST_F(RecordShape, RecordsFilledByHand) {
  decode(R"({"a":"1","b":"2","c":"3"})");
  EXPECT_EQ(get(b_), "2");
  record_.clear();
  record_.add("a", Value::string("4"));
  record_.add("b", Value::string("5"));
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "45-");
  record_.clear();
  record_.add("a", Value::string("6"));
  record_.add("b", Value::string("7"));
  record_.add("c", Value::string("8"));
  EXPECT_TRUE(record_.follows_shape());
  EXPECT_EQ(get(a_) + get(b_) + get(c_), "678");
  // Adding after a read leaves the shape and finds the new field.
  record_.add("x", Value::string("9"));
  record_.add("a", Value::string("0"));
  EXPECT_EQ(get(a_) + get(x_), "09");
}

TEST_F(RecordShape, TwoRecordsOfDifferentShapesShareVariables) {
  RecordDecoder other_decoder;
  Record other;
  for (int i = 0; i < 3; ++i) {
    decode(R"({"a":"1","b":"2","c":"3"})");
    ASSERT_TRUE(other_decoder.decode(R"({"c":"6","x":"7","a":"4"})", other).ok());
    EXPECT_EQ(get(a_) + get(b_) + get(c_) + get(x_), "123-");
    EXPECT_EQ(std::string(other.get(a_).str) + std::string(other.get(c_).str) +
                  std::string(other.get(x_).str) + (other.get(b_).is_set() ? "b" : "-"),
              "467-");
  }
}

TEST_F(RecordShape, LongKeysAndValuesNearTheEndOfTheText) {
  std::string long_key(300, 'k');
  VariableRef lk = VariableRef::make(long_key);
  decode("{\"" + long_key + "\":\"1\"}");
  EXPECT_EQ(get(lk), "1");
  decode(R"({"k":"2"})");  // much shorter than the key the shape expects first
  EXPECT_EQ(get(lk), "-");
  decode("{\"" + long_key + "\":\"3\"}");
  decode("{\"" + long_key + "\":\"4\"}");
  EXPECT_TRUE(record_.follows_shape());
  EXPECT_EQ(get(lk), "4");
}

// Random streams of records mixing every kind of change: a reused decoder and record must read
// exactly what a fresh record of the same text reads, for every variable, after every record.
TEST(RecordShapeRandom, ReusedRecordReadsWhatAFreshOneReads) {
  const std::vector<std::string> pool = {"a",
                                         "b",
                                         "c",
                                         "req.http.Host",
                                         "req.http.host",
                                         "time.elapsed.usec",
                                         "a\\\"q",
                                         "long.key.name.over.16"};
  std::vector<VariableRef> refs;
  for (const std::string& k : pool) refs.push_back(VariableRef::make(k));
  refs.push_back(VariableRef::make("a\"q"));
  refs.push_back(VariableRef::make("absent"));
  refs.push_back(VariableRef::make("time.elapsed.sec"));  // derived from time.elapsed.usec
  uint64_t seed = 12345;
  auto next = [&seed](uint64_t n) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
  };
  auto text = [](const Value& v) {
    if (!v.is_set()) return std::string("-");
    if (v.kind == ValueKind::kInteger) return std::to_string(v.integer);
    return std::string(v.str);
  };
  RecordDecoder decoder;
  Record reused;
  std::vector<std::string> last_keys = {"a", "b", "c"};
  for (int round = 0; round < 3000; ++round) {
    // Mostly the last shape again, sometimes with one change.
    std::vector<std::string> keys = last_keys;
    switch (next(6)) {
      case 0:
        keys.push_back(pool[next(pool.size())]);
        break;
      case 1:
        if (!keys.empty()) keys.erase(keys.begin() + long(next(keys.size())));
        break;
      case 2:
        if (keys.size() > 1) std::swap(keys[next(keys.size())], keys[next(keys.size())]);
        break;
      default:
        break;
    }
    last_keys = keys;
    std::string json = "{";
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) json += ",";
      json += "\"" + keys[i] + "\":";
      json += next(3) == 0 ? std::to_string(next(1000)) : "\"v" + std::to_string(next(1000)) + "\"";
    }
    json += "}";
    if (next(50) == 0) json += "x";  // now and then a record that does not decode
    Record fresh;
    RecordDecoder fresh_decoder;
    bool ok = fresh_decoder.decode(json, fresh).ok();
    ASSERT_EQ(decoder.decode(json, reused).ok(), ok) << json;
    for (const VariableRef& ref : refs) {
      ASSERT_EQ(text(reused.get(ref)), text(fresh.get(ref))) << ref.name << " in " << json;
    }
  }
}

}  // namespace
}  // namespace sluice
