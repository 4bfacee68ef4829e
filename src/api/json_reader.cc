#include "api/json_reader.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>
#include <exception>
#include <new>
#include <vector>

#include "api/input_text.h"
#include "core/json_wiping.h"

namespace csrd::api {
namespace json = boost::json;
namespace {

// Builds the DOM exactly as boost::json::parser does (through a value_stack)
// and, on top, refuses a top-level non-object and duplicate keys. Boost.JSON
// 1.81 silently keeps the last of duplicate keys and has no option against
// it, so keys are collected per open object and checked when the object
// closes by sorting: O(n log n) in the worst case, whatever the keys (a hash
// set with a fixed seed could be driven quadratic by chosen keys).
class StrictHandler {
 public:
  static constexpr size_t max_object_size = json::object::max_size();
  static constexpr size_t max_array_size = json::array::max_size();
  static constexpr size_t max_key_size = json::string::max_size();
  static constexpr size_t max_string_size = json::string::max_size();

  enum class Failure { kNone, kNotObject, kDuplicateKey };

  // The stack's own memory holds unescaped string pieces (every PEM has
  // "\n" escapes): wiped when freed, like the tree.
  json::value_stack st{WipingJsonStorage()};
  Failure failure = Failure::kNone;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }

  bool on_object_begin(json::error_code&) {
    ++open_;
    starts_.push_back(keys_.size());
    return true;
  }
  bool on_object_end(size_t n, json::error_code& ec) {
    --open_;
    const size_t start = starts_.back();
    starts_.pop_back();
    std::sort(keys_.begin() + static_cast<std::ptrdiff_t>(start), keys_.end());
    if (std::adjacent_find(keys_.begin() + static_cast<std::ptrdiff_t>(start), keys_.end()) !=
        keys_.end()) {
      return Fail(Failure::kDuplicateKey, ec);
    }
    keys_.resize(start);
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code& ec) {
    if (open_ == 0) return Fail(Failure::kNotObject, ec);
    ++open_;
    return true;
  }
  bool on_array_end(size_t n, json::error_code&) {
    --open_;
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    keys_.push_back(std::move(key_));
    key_.clear();
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, size_t, json::error_code& ec) {
    if (open_ == 0) return Fail(Failure::kNotObject, ec);
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, size_t, json::error_code& ec) {
    if (open_ == 0) return Fail(Failure::kNotObject, ec);
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code& ec) {
    return open_ == 0 ? Fail(Failure::kNotObject, ec) : true;
  }
  bool on_int64(int64_t i, json::string_view, json::error_code& ec) {
    if (open_ == 0) return Fail(Failure::kNotObject, ec);
    st.push_int64(i);
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code& ec) {
    if (open_ == 0) return Fail(Failure::kNotObject, ec);
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code& ec) {
    if (open_ == 0) return Fail(Failure::kNotObject, ec);
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code& ec) {
    if (open_ == 0) return Fail(Failure::kNotObject, ec);
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code& ec) {
    if (open_ == 0) return Fail(Failure::kNotObject, ec);
    st.push_null();
    return true;
  }
  // Comments are disabled in the options; these are never called.
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  bool Fail(Failure f, json::error_code& ec) {
    failure = f;
    ec = json::error::syntax;  // any error stops the parser; `failure` says which
    return false;
  }

  size_t open_ = 0;                // containers currently open
  std::vector<std::string> keys_;  // keys of all open objects, innermost last
  std::vector<size_t> starts_;     // where each open object's keys begin
  std::string key_;                // the key being assembled from parts
};

Status TypeError(std::string_view where, std::string_view key, std::string_view type) {
  return Status::InvalidArgument(FieldPath(where, key) + ": must be " + std::string(type));
}

Status Missing(std::string_view where, std::string_view key) {
  return Status::InvalidArgument(FieldPath(where, key) + " is required");
}

// The field's value, or nullptr when absent or null.
const json::value* Find(const json::object& obj, std::string_view key) {
  auto it = obj.find(json::string_view(key.data(), key.size()));
  if (it == obj.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

}  // namespace

std::string FieldPath(std::string_view where, std::string_view key) {
  if (where.empty()) return std::string(key);
  std::string out;
  out.reserve(where.size() + 1 + key.size());
  out.append(where).append(".").append(key);
  return out;
}

Result<json::object> ParseJsonObject(std::string_view body) {
  if (body.empty()) return Status::InvalidArgument("body must be a JSON object, not empty");
  // Boost.JSON checks UTF-8 inside strings and refuses any non-ASCII byte
  // elsewhere; checking up front only gives the client a clearer message.
  if (!IsValidUtf8(body)) return Status::InvalidArgument("body must be valid UTF-8");

  json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  try {
    json::basic_parser<StrictHandler> p(opts);
    p.handler().st.reset(WipingJsonStorage());
    json::error_code ec;
    const size_t n = p.write_some(false, body.data(), body.size(), ec);
    switch (p.handler().failure) {
      case StrictHandler::Failure::kNotObject:
        return Status::InvalidArgument("body must be a JSON object");
      case StrictHandler::Failure::kDuplicateKey:
        return Status::InvalidArgument("body has a duplicate key");
      case StrictHandler::Failure::kNone:
        break;
    }
    if (ec == json::error::too_deep) {
      return Status::InvalidArgument("body nests deeper than " + std::to_string(kMaxJsonDepth) +
                                     " levels");
    }
    if (ec || !p.done()) return Status::InvalidArgument("body must be valid JSON");
    if (n < body.size()) return Status::InvalidArgument("body has data after the JSON object");
    json::value v = p.handler().st.release();
    if (!v.is_object()) return Status::InvalidArgument("body must be a JSON object");
    return std::move(v.as_object());
  } catch (const std::bad_alloc&) {
    return Status::Internal("out of memory while parsing the body");
  } catch (const std::exception&) {
    return Status::Internal("unexpected failure while parsing the body");
  }
}

Result<std::optional<std::string>> GetOptionalString(const json::object& obj, std::string_view key,
                                                     std::string_view where) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return TypeError(where, key, "a string");
  const json::string& s = v->get_string();
  return std::optional<std::string>(std::string(s.data(), s.size()));
}

Result<std::string> GetRequiredString(const json::object& obj, std::string_view key,
                                      std::string_view where) {
  CSRD_ASSIGN_OR_RETURN(std::optional<std::string> s, GetOptionalString(obj, key, where));
  if (!s) return Missing(where, key);
  return std::move(*s);
}

Result<const json::object*> GetOptionalObject(const json::object& obj, std::string_view key,
                                              std::string_view where) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) return TypeError(where, key, "an object");
  return &v->get_object();
}

Result<const json::object*> GetRequiredObject(const json::object& obj, std::string_view key,
                                              std::string_view where) {
  CSRD_ASSIGN_OR_RETURN(const json::object* o, GetOptionalObject(obj, key, where));
  if (o == nullptr) return Missing(where, key);
  return o;
}

Result<const json::array*> GetOptionalArray(const json::object& obj, std::string_view key,
                                            std::string_view where) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return static_cast<const json::array*>(nullptr);
  if (!v->is_array()) return TypeError(where, key, "an array");
  return &v->get_array();
}

Result<const json::array*> GetRequiredArray(const json::object& obj, std::string_view key,
                                            std::string_view where) {
  CSRD_ASSIGN_OR_RETURN(const json::array* a, GetOptionalArray(obj, key, where));
  if (a == nullptr) return Missing(where, key);
  return a;
}

Result<std::optional<int64_t>> GetOptionalInt64(const json::object& obj, std::string_view key,
                                                std::string_view where) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return std::optional<int64_t>();
  if (v->is_int64()) return std::optional<int64_t>(v->get_int64());
  if (v->is_uint64()) return Status::InvalidArgument(FieldPath(where, key) + ": is out of range");
  return TypeError(where, key, "an integer");
}

Result<std::optional<bool>> GetOptionalBool(const json::object& obj, std::string_view key,
                                            std::string_view where) {
  const json::value* v = Find(obj, key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return TypeError(where, key, "a boolean");
  return std::optional<bool>(v->get_bool());
}

}  // namespace csrd::api
