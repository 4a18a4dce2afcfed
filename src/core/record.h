#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/value.h"
#include "core/variable.h"

namespace sluice {

// One request record: a flat map from VCL variable names to typed values.
//
// Ownership: the record owns a byte store that holds every key and string value. It is sized
// once per record (reserve_storage) and never moves while the record is filled, so the views in
// fields stay valid until clear(). A Record is meant to be reused: clear() keeps its memory.
// Reads cache derived values and lookups, so one Record is read by one thread at a time.
//
// Shapes: the records of one stream almost always carry the same keys in the same order. The
// record remembers the key sequence of the last record it held (its shape). A record filled with
// exactly that sequence reuses the shape's hash index as it is, with no hashing, and the lookups
// a format made on an earlier record of the shape are remembered by field position, so a
// variable costs one array read. Any difference (another key, another order, a missing or an
// extra key, a repeated key) falls back to hashing every key and learns the new shape.
class Record {
 public:
  struct Field {
    std::string_view key;
    Value value;
    uint64_t hash;
  };

  void clear();

  // Makes room for n bytes of keys and strings. Call after clear() and before adding fields;
  // the store must not grow while fields point into it.
  void reserve_storage(size_t n);
  // Copies s into the store; the caller has reserved room for it.
  std::string_view store(std::string_view s);
  // Space for the caller to write up to n bytes; commit(k) keeps the first k.
  char* store_begin() { return storage_.get() + storage_used_; }
  void store_commit(size_t k) { storage_used_ += k; }
  [[nodiscard]] size_t store_available() const { return storage_capacity_ - storage_used_; }

  // Adds a field; a later field with the same (case-folded) name replaces an earlier one.
  void add(std::string_view key, Value value);

  // The key the shape expects next, when the record so far has followed the shape and that key
  // can be compared with JSON text as it is (it holds no '"' or '\\'); otherwise a null view. A
  // decoder that finds exactly these bytes, then a closing quote, calls add_expected.
  [[nodiscard]] std::string_view expected_key() const {
    if (!matching_ || !shape_.raw_comparable || fields_.size() >= shape_.hashes.size()) return {};
    uint32_t begin = fields_.empty() ? 0 : shape_.ends[fields_.size() - 1];
    return {shape_.keys.data() + begin, shape_.ends[fields_.size()] - begin};
  }
  // add() for a key equal, byte for byte, to expected_key() (a view of the caller's own copy).
  void add_expected(std::string_view key, Value value) {
    start_cache_ = StartCache::kUnknown;
    settled_ = false;
    fields_.push_back(Field{key, value, shape_.hashes[fields_.size()]});
  }

  // The raw field, or nullptr. No derivation.
  [[nodiscard]] const Value* find(std::string_view name, uint64_t hash) const;
  [[nodiscard]] const Value* find(std::string_view name) const {
    return find(name, fold_hash(name));
  }

  // The raw field of a resolved name, or nullptr: where the name was found in this shape
  // before, else the index.
  [[nodiscard]] const Value* find(const VariableRef& ref) const {
    if (!settled_) settle();
    if (shaped_ && ref.slot < bindings_.size()) {
      uint64_t b = bindings_[ref.slot];
      if (uint32_t(b >> 32) == shape_gen_) {
        uint32_t at = uint32_t(b);  // kUnbound when the shape has no such key
        return at < fields_.size() ? &fields_[at].value : nullptr;
      }
    }
    return find_and_bind(ref);
  }

  // The value of a variable, computed from others when the record does not carry it.
  // `now_usec` is what `now` means when the record has neither `now` nor a time.end.
  [[nodiscard]] Value get(const VariableRef& var, int64_t now_usec = 0) const {
    if (var.derived == Derived::kNone) {
      const Value* v = find(var);
      return v ? *v : Value::not_set();
    }
    return get_derived(var, now_usec);
  }

  [[nodiscard]] const std::vector<Field>& fields() const { return fields_; }

  // Derived pieces, exposed for the formatter's Apache directives.
  [[nodiscard]] bool start_usec(int64_t& out) const;
  [[nodiscard]] bool elapsed_usec(int64_t& out) const;

  // True when the fields follow the remembered shape (for tests of the fast paths).
  [[nodiscard]] bool follows_shape() const {
    if (!settled_) settle();
    return shaped_;
  }

 private:
  void rebuild_index(size_t slots) const;
  // The index in fields_ of the field with this name, or kAbsent.
  static constexpr size_t kAbsent = SIZE_MAX;
  static constexpr uint32_t kUnbound = UINT32_MAX;
  [[nodiscard]] size_t probe(std::string_view name, uint64_t hash) const;
  [[nodiscard]] const Value* find_and_bind(const VariableRef& ref) const;
  [[nodiscard]] Value get_derived(const VariableRef& var, int64_t now_usec) const;
  bool compute_start_usec(int64_t& out) const;
  // Leaves the record able to answer lookups after the last add: either it followed the shape
  // all through, or its own keys become the shape.
  void settle() const;
  void stop_matching() const;

  std::unique_ptr<char[]> storage_;
  size_t storage_capacity_ = 0;
  size_t storage_used_ = 0;
  std::vector<Field> fields_;
  // Open addressing: slot holds field index + 1, 0 is empty. Size is a power of two kept at
  // least twice the field count. While a record follows the shape it is the shape's index.
  mutable std::vector<uint32_t> index_;

  // The shape: the keys of the last settled record, when it had no repeated key.
  struct Shape {
    std::string keys;            // back to back, exactly as they arrived
    std::vector<uint32_t> ends;  // key i ends at ends[i]
    std::vector<uint64_t> hashes;
    bool raw_comparable = true;  // no key holds a byte that JSON text would escape
  };
  mutable Shape shape_;
  // Bumped whenever a shape is learned, so that bindings made for an earlier shape stop
  // counting; never reused (short of wrapping, which clears the bindings), and never 0, which
  // marks an unused binding.
  mutable uint32_t shape_gen_ = 0;
  // For each VariableRef slot: shape_gen_ << 32 | field position (kUnbound: not in the shape).
  mutable std::vector<uint64_t> bindings_;
  mutable bool matching_ = false;  // every field so far has followed the shape
  bool replaced_ = false;          // a repeated key replaced an earlier field
  mutable bool settled_ = true;    // settle() has run since the last change
  mutable bool shaped_ = false;    // settled, and fields_ are exactly the shape's keys
  mutable bool index_is_shape_ = false;

  // start_usec() parsed once per record: a JSON format reads time.start for its timestamp and
  // again for time tokens, and parsing RFC 3339 text each time cost more than the lookup. A
  // cache in a const reader means a Record must not be read from two threads at once; the engine
  // decodes and renders each record on one ingest thread.
  enum class StartCache : uint8_t { kUnknown, kAbsent, kPresent };
  mutable StartCache start_cache_ = StartCache::kUnknown;
  mutable int64_t start_usec_ = 0;
};

}  // namespace sluice
