#include "core/record.h"

#include <cstring>

#include "core/time_util.h"

namespace sluice {
namespace {

// Names the derivations read, resolved once.
struct Names {
  VariableRef time_start = VariableRef::make("time.start");
  VariableRef time_start_sec = VariableRef::make("time.start.sec");
  VariableRef time_start_msec = VariableRef::make("time.start.msec");
  VariableRef time_start_usec = VariableRef::make("time.start.usec");
  VariableRef time_end = VariableRef::make("time.end");
  VariableRef time_elapsed = VariableRef::make("time.elapsed");
  VariableRef time_elapsed_sec = VariableRef::make("time.elapsed.sec");
  VariableRef time_elapsed_msec = VariableRef::make("time.elapsed.msec");
  VariableRef time_elapsed_usec = VariableRef::make("time.elapsed.usec");
  VariableRef req_url = VariableRef::make("req.url");
  VariableRef req_method = VariableRef::make("req.method");
  VariableRef req_request = VariableRef::make("req.request");
  VariableRef now = VariableRef::make("now");
};
const Names& names() {
  static const Names n;
  return n;
}

// A whole number from a record value: integers as they are, floats truncated when they fit,
// numeric text by its leading integer. Integers never pass through double, which would lose
// precision above 2^53.
bool whole_number_of(const Value& v, int64_t& out) {
  switch (v.kind) {
    case ValueKind::kInteger:
      out = v.integer;
      return true;
    case ValueKind::kFloat:
      return double_to_int64(v.real, out);
    case ValueKind::kString:
      return parse_integer_prefix(v.str, out);
    default:
      return false;
  }
}

// A number in `unit` µs (1, 1000, 1000000) as µs, when it fits.
bool scaled_of(const Value& v, int64_t unit, int64_t& out) {
  if (v.kind == ValueKind::kFloat) return double_to_int64(v.real * double(unit), out);
  int64_t n;
  return whole_number_of(v, n) && checked_mul(n, unit, out);
}

// A time given as RFC 3339 text, a TIME, or a number of seconds since the epoch.
bool time_of(const Value& v, int64_t& usec) {
  bool ok = false;
  if (v.kind == ValueKind::kTime) {
    usec = v.integer;
    ok = true;
  } else if (v.kind == ValueKind::kString) {
    ok = parse_rfc3339(v.str, usec);
  } else {
    ok = scaled_of(v, 1000000, usec);
  }
  return ok && time_in_range(usec);
}

// Splits req.url into its derived parts. Pure string slicing: views into the record's store.
struct UrlParts {
  std::string_view path, qs, basename, dirname, ext;
};
UrlParts split_url(std::string_view url) {
  UrlParts p;
  size_t q = url.find('?');
  p.path = url.substr(0, q);
  p.qs = q == std::string_view::npos ? std::string_view() : url.substr(q + 1);
  size_t slash = p.path.rfind('/');
  if (slash == std::string_view::npos) {
    p.basename = p.path;
    p.dirname = ".";
  } else {
    p.basename = p.path.substr(slash + 1);
    p.dirname = slash == 0 ? p.path.substr(0, 1) : p.path.substr(0, slash);
  }
  size_t dot = p.basename.rfind('.');
  if (dot != std::string_view::npos) p.ext = p.basename.substr(dot + 1);
  return p;
}

Value time_parts(Derived kind, int64_t usec, Derived base) {
  int offset = int(kind) - int(base);  // 0 time, 1 sec, 2 msec, 3 usec, 4 msec_frac, 5 usec_frac
  int64_t sec = usec_to_sec(usec);
  int64_t frac_usec = usec - sec * 1000000;
  switch (offset) {
    case 0:
      return Value::time_usec(usec);
    case 1:
      return Value::integer_value(sec);
    case 2:
      return Value::integer_value(sec * 1000 + frac_usec / 1000);
    case 3:
      return Value::integer_value(usec);
    case 4:
      return Value::integer_value(frac_usec / 1000);
    default:
      return Value::integer_value(frac_usec);
  }
}

}  // namespace

void Record::clear() {
  start_cache_ = StartCache::kUnknown;
  fields_.clear();
  storage_used_ = 0;
  replaced_ = false;
  settled_ = false;
  // Follow the shape when there is one and the index is still the shape's; otherwise start
  // from an empty index.
  matching_ = !shape_.hashes.empty() && index_is_shape_;
  if (!matching_) {
    std::fill(index_.begin(), index_.end(), 0);
    index_is_shape_ = false;
  }
}

void Record::reserve_storage(size_t n) {
  if (n > storage_capacity_) {
    storage_ = std::make_unique<char[]>(n);
    storage_capacity_ = n;
  }
  storage_used_ = 0;
}

std::string_view Record::store(std::string_view s) {
  if (s.size() > store_available()) return {};  // caller broke the reserve contract; stay safe
  char* p = storage_.get() + storage_used_;
  std::memcpy(p, s.data(), s.size());
  storage_used_ += s.size();
  return {p, s.size()};
}

void Record::rebuild_index(size_t slots) const {
  index_.assign(slots, 0);
  size_t mask = slots - 1;
  for (size_t i = 0; i < fields_.size(); ++i) {
    size_t s = fields_[i].hash & mask;
    while (index_[s] != 0) s = (s + 1) & mask;
    index_[s] = uint32_t(i + 1);
  }
}

// The record leaves the shape: the index holds the shape's keys, some of which this record may
// not have, so it is rebuilt from the fields added so far.
void Record::stop_matching() const {
  matching_ = false;
  index_is_shape_ = false;
  rebuild_index(index_.empty() ? 64 : index_.size());
}

void Record::add(std::string_view key, Value value) {
  start_cache_ = StartCache::kUnknown;
  settled_ = false;
  if (matching_) {
    std::string_view expected;
    if (fields_.size() < shape_.hashes.size()) {
      uint32_t begin = fields_.empty() ? 0 : shape_.ends[fields_.size() - 1];
      expected = {shape_.keys.data() + begin, shape_.ends[fields_.size()] - begin};
    }
    if (expected.data() != nullptr && key == expected) {
      fields_.push_back(Field{key, value, shape_.hashes[fields_.size()]});
      return;
    }
    stop_matching();
  }
  uint64_t h = fold_hash(key);
  if (index_.empty()) index_.assign(64, 0);
  if ((fields_.size() + 1) * 2 > index_.size()) rebuild_index(index_.size() * 2);
  size_t mask = index_.size() - 1;
  size_t s = h & mask;
  for (; index_[s] != 0; s = (s + 1) & mask) {
    Field& f = fields_[index_[s] - 1];
    if (f.hash == h && equal_folded(f.key, key)) {
      f.value = value;
      replaced_ = true;
      return;
    }
  }
  // The probe stopped at the empty slot the new field takes.
  fields_.push_back(Field{key, value, h});
  index_[s] = uint32_t(fields_.size());
}

void Record::settle() const {
  settled_ = true;
  if (matching_ && fields_.size() == shape_.hashes.size()) {
    shaped_ = true;  // the same keys in the same order: index and bindings hold as they are
    return;
  }
  if (matching_) {
    // A prefix of the shape: the index still lists the keys this record lacks.
    stop_matching();
  }
  shaped_ = false;
  if (replaced_ || fields_.empty() || fields_.size() >= kUnbound) {
    // No shape to learn: with a repeated key, positions do not follow the arrival order.
    // (shape_gen_ is kept: numbers are never reused, or bindings of an older shape with the
    // same number would answer for the next one.)
    shape_.hashes.clear();
    return;
  }
  // This record's keys become the shape. The index was built from exactly these fields.
  shape_.keys.clear();
  shape_.ends.clear();
  shape_.hashes.clear();
  shape_.raw_comparable = true;
  for (const Field& f : fields_) {
    shape_.keys.append(f.key);
    shape_.ends.push_back(uint32_t(shape_.keys.size()));
    shape_.hashes.push_back(f.hash);
    for (char c : f.key) {
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
        shape_.raw_comparable = false;
      }
    }
  }
  if (++shape_gen_ == 0) {
    // After 2^32 shapes an old binding could carry the new number: forget them all.
    std::fill(bindings_.begin(), bindings_.end(), 0);
    shape_gen_ = 1;
  }
  index_is_shape_ = true;
  shaped_ = true;
}

size_t Record::probe(std::string_view name, uint64_t hash) const {
  if (index_.empty()) return kAbsent;
  size_t mask = index_.size() - 1;
  for (size_t s = hash & mask; index_[s] != 0; s = (s + 1) & mask) {
    const Field& f = fields_[index_[s] - 1];
    if (f.hash == hash && equal_folded(f.key, name)) return index_[s] - 1;
  }
  return kAbsent;
}

const Value* Record::find(std::string_view name, uint64_t hash) const {
  if (!settled_) settle();
  size_t at = probe(name, hash);
  return at == kAbsent ? nullptr : &fields_[at].value;
}

const Value* Record::find_and_bind(const VariableRef& ref) const {
  size_t at = probe(ref.name, ref.hash);
  if (shaped_ && ref.slot != VariableRef::kNoSlot) {
    if (ref.slot >= bindings_.size()) bindings_.resize(size_t(ref.slot) + 1, 0);
    bindings_[ref.slot] = (uint64_t(shape_gen_) << 32) | (at == kAbsent ? kUnbound : uint32_t(at));
  }
  return at == kAbsent ? nullptr : &fields_[at].value;
}

bool Record::start_usec(int64_t& out) const {
  if (start_cache_ == StartCache::kUnknown) {
    start_cache_ = compute_start_usec(start_usec_) ? StartCache::kPresent : StartCache::kAbsent;
  }
  out = start_usec_;
  return start_cache_ == StartCache::kPresent;
}

bool Record::compute_start_usec(int64_t& out) const {
  const Names& n = names();
  if (const Value* v = find(n.time_start)) return time_of(*v, out);
  const std::pair<const VariableRef*, int64_t> parts[] = {
      {&n.time_start_usec, 1}, {&n.time_start_msec, 1000}, {&n.time_start_sec, 1000000}};
  for (const auto& [ref, unit] : parts) {
    if (const Value* v = find(*ref)) {
      return scaled_of(*v, unit, out) && time_in_range(out);
    }
  }
  return false;
}

bool Record::elapsed_usec(int64_t& out) const {
  const Names& n = names();
  const std::pair<const VariableRef*, int64_t> parts[] = {
      {&n.time_elapsed_usec, 1}, {&n.time_elapsed_msec, 1000}, {&n.time_elapsed_sec, 1000000}};
  for (const auto& [ref, unit] : parts) {
    if (const Value* v = find(*ref)) return scaled_of(*v, unit, out);
  }
  if (const Value* v = find(n.time_elapsed)) {
    if (v->kind == ValueKind::kRelTime) {
      out = v->integer;
      return true;
    }
    if (v->kind == ValueKind::kFloat || v->kind == ValueKind::kInteger) {
      return scaled_of(*v, 1000000, out);
    }
  }
  return false;
}

Value Record::get_derived(const VariableRef& ref, int64_t now_usec) const {
  const Value* raw = find(ref);

  // A carried value wins, but time.start and time.end are TIMEs even when sent as text.
  if (raw) {
    int64_t usec;
    // With time.start carried, start_usec() reads exactly it, from the cache.
    if (ref.derived == Derived::kTimeStart && start_usec(usec)) return Value::time_usec(usec);
    if (ref.derived == Derived::kTimeEnd && time_of(*raw, usec)) {
      return Value::time_usec(usec);
    }
    if (ref.derived == Derived::kNow && time_of(*raw, usec)) return Value::time_usec(usec);
    return *raw;
  }

  const Names& n = names();
  switch (ref.derived) {
    case Derived::kTimeStart:
    case Derived::kTimeStartSec:
    case Derived::kTimeStartMsec:
    case Derived::kTimeStartUsec:
    case Derived::kTimeStartMsecFrac:
    case Derived::kTimeStartUsecFrac: {
      int64_t start;
      if (!start_usec(start)) return Value::not_set();
      return time_parts(ref.derived, start, Derived::kTimeStart);
    }
    case Derived::kTimeEnd:
    case Derived::kTimeEndSec:
    case Derived::kTimeEndMsec:
    case Derived::kTimeEndUsec:
    case Derived::kTimeEndMsecFrac:
    case Derived::kTimeEndUsecFrac:
    case Derived::kNow: {
      int64_t start, elapsed, end;
      if (const Value* v = find(n.time_end); v && time_of(*v, end)) {
      } else if (start_usec(start) && elapsed_usec(elapsed) && checked_add(start, elapsed, end) &&
                 time_in_range(end)) {
      } else if (ref.derived == Derived::kNow) {
        return Value::time_usec(now_usec);
      } else {
        return Value::not_set();
      }
      if (ref.derived == Derived::kNow) return Value::time_usec(end);
      return time_parts(ref.derived, end, Derived::kTimeEnd);
    }
    case Derived::kTimeElapsed:
    case Derived::kTimeElapsedSec:
    case Derived::kTimeElapsedMsec:
    case Derived::kTimeElapsedUsec:
    case Derived::kTimeElapsedMsecFrac:
    case Derived::kTimeElapsedUsecFrac: {
      int64_t e;
      if (!elapsed_usec(e)) return Value::not_set();
      if (ref.derived == Derived::kTimeElapsed) return Value::reltime_usec(e);
      return time_parts(ref.derived, e, Derived::kTimeElapsed);
    }
    case Derived::kUrlPath:
    case Derived::kUrlQs:
    case Derived::kUrlExt:
    case Derived::kUrlBasename:
    case Derived::kUrlDirname: {
      const Value* url = find(n.req_url);
      if (!url || url->kind != ValueKind::kString) return Value::not_set();
      UrlParts p = split_url(url->str);
      switch (ref.derived) {
        case Derived::kUrlPath:
          return Value::string(p.path);
        case Derived::kUrlQs:
          return Value::string(p.qs);
        case Derived::kUrlExt:
          return Value::string(p.ext);
        case Derived::kUrlBasename:
          return Value::string(p.basename);
        default:
          return Value::string(p.dirname);
      }
    }
    case Derived::kReqRequest: {
      const Value* m = find(n.req_method);
      return m ? *m : Value::not_set();
    }
    case Derived::kReqMethod: {
      const Value* m = find(n.req_request);
      return m ? *m : Value::not_set();
    }
    case Derived::kNone:
      break;
  }
  return Value::not_set();
}

}  // namespace sluice
