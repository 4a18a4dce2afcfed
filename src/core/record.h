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
// Reads cache derived values, so one Record is read by one thread at a time.
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

  // The raw field, or nullptr. No derivation.
  [[nodiscard]] const Value* find(std::string_view name, uint64_t hash) const;
  [[nodiscard]] const Value* find(std::string_view name) const {
    return find(name, fold_hash(name));
  }

  // The raw field of a resolved name, or nullptr: the hinted position first, then the index.
  [[nodiscard]] const Value* find(const VariableRef& ref) const {
    uint32_t at = ref.hint.load(std::memory_order_relaxed);
    if (at < fields_.size()) {
      const Field& f = fields_[at];
      if (f.hash == ref.hash && equal_folded(f.key, ref.name)) return &f.value;
    }
    return find_and_hint(ref);
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

 private:
  void rebuild_index(size_t slots);
  // The index in fields_ of the field with this name, or kAbsent.
  static constexpr size_t kAbsent = SIZE_MAX;
  [[nodiscard]] size_t probe(std::string_view name, uint64_t hash) const;
  [[nodiscard]] const Value* find_and_hint(const VariableRef& ref) const;
  [[nodiscard]] Value get_derived(const VariableRef& var, int64_t now_usec) const;
  bool compute_start_usec(int64_t& out) const;

  std::unique_ptr<char[]> storage_;
  size_t storage_capacity_ = 0;
  size_t storage_used_ = 0;
  std::vector<Field> fields_;
  // Open addressing: slot holds field index + 1, 0 is empty. Size is a power of two kept at
  // least twice the field count.
  std::vector<uint32_t> index_;
  // start_usec() parsed once per record: a JSON format reads time.start for its timestamp and
  // again for time tokens, and parsing RFC 3339 text each time cost more than the lookup. A
  // cache in a const reader means a Record must not be read from two threads at once; the engine
  // decodes and renders each record on one ingest thread.
  enum class StartCache : uint8_t { kUnknown, kAbsent, kPresent };
  mutable StartCache start_cache_ = StartCache::kUnknown;
  mutable int64_t start_usec_ = 0;
};

}  // namespace sluice
