// ParseJsonObject (api/json_reader.h), the strict decoder under every JSON
// body, and the typed field getters.
//
// Invariants: a refusal is InvalidArgument; an accepted body is valid UTF-8,
// nests at most kMaxJsonDepth levels, and its compact serialization parses
// back to an equal object (doubles within rounding: Boost.JSON 1.81 parses
// them imprecisely); each getter answers a value exactly when the field's
// JSON type is the one it asks for (or the field is absent/null).
// (Numbers beyond double's range skip the round trip; see below.)
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>

#include "api/input_text.h"
#include "api/json_reader.h"
#include "fuzz/fuzz_util.h"

namespace json = boost::json;
using namespace csrd;
using csrd::fuzz::CheckRefusal;

namespace {

bool Near(double a, double b) {
  if (a == b) return true;
  if (std::isinf(a) || std::isinf(b)) return false;
  return std::fabs(a - b) <= 1e-9 * std::fmax(std::fabs(a), std::fabs(b));
}

bool Same(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) return a.is_double() && b.is_double() &&
                                             Near(a.get_double(), b.get_double());
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const json::object& x = a.get_object();
    const json::object& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      auto it = y.find(kv.key());
      if (it == y.end() || !Same(kv.value(), it->value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!Same(x[i], y[i])) return false;
    }
    return true;
  }
  return a == b;
}

bool HasNonFinite(const json::value& v) {
  if (v.is_double()) return !std::isfinite(v.get_double());
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      if (HasNonFinite(kv.value())) return true;
    }
  }
  if (v.is_array()) {
    for (const auto& e : v.get_array()) {
      if (HasNonFinite(e)) return true;
    }
  }
  return false;
}

size_t Depth(const json::value& v) {
  size_t inner = 0;
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) inner = std::max(inner, Depth(kv.value()));
    return inner + 1;
  }
  if (v.is_array()) {
    for (const auto& e : v.get_array()) inner = std::max(inner, Depth(e));
    return inner + 1;
  }
  return 0;
}

// The getters name the key in their messages; production keys are constants,
// here they come from the input, so only the kind of refusal is checked.
void CheckGetters(const json::object& obj) {
  for (const auto& kv : obj) {
    const std::string_view key(kv.key().data(), kv.key().size());
    const json::value& v = kv.value();
    const bool null = v.is_null();

    auto s = api::GetOptionalString(obj, key, "where");
    FUZZ_CHECK(s.ok() == (null || v.is_string()));
    if (!s.ok()) FUZZ_CHECK(s.status().IsInvalidArgument());
    if (s.ok()) FUZZ_CHECK(s->has_value() == v.is_string());
    auto rs = api::GetRequiredString(obj, key);
    FUZZ_CHECK(rs.ok() == v.is_string());

    auto o = api::GetOptionalObject(obj, key);
    FUZZ_CHECK(o.ok() == (null || v.is_object()));
    if (o.ok()) FUZZ_CHECK((*o != nullptr) == v.is_object());
    FUZZ_CHECK(api::GetRequiredObject(obj, key).ok() == v.is_object());

    auto a = api::GetOptionalArray(obj, key);
    FUZZ_CHECK(a.ok() == (null || v.is_array()));
    FUZZ_CHECK(api::GetRequiredArray(obj, key).ok() == v.is_array());

    auto i = api::GetOptionalInt64(obj, key);
    FUZZ_CHECK(i.ok() == (null || v.is_int64()));
    if (!i.ok()) FUZZ_CHECK(i.status().IsInvalidArgument());
    if (i.ok() && v.is_int64()) FUZZ_CHECK(**i == v.get_int64());

    auto b = api::GetOptionalBool(obj, key);
    FUZZ_CHECK(b.ok() == (null || v.is_bool()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = fuzz::AsView(data, size);
  auto parsed = api::ParseJsonObject(body);
  if (!parsed.ok()) {
    CheckRefusal(parsed.status());
    return 0;
  }
  FUZZ_CHECK(csrd::IsValidUtf8(body));
  const json::value whole(*parsed);
  FUZZ_CHECK(Depth(whole) <= api::kMaxJsonDepth);

  CheckGetters(*parsed);

  // Boost.JSON 1.81 reads a number beyond double's range (1e400) as infinity
  // and writes that as `Infinity`, which is not JSON. csrd never writes a
  // client's number back, so such bodies skip the round trip.
  if (HasNonFinite(whole)) return 0;
  const std::string text = json::serialize(*parsed);
  auto again = api::ParseJsonObject(text);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(Same(whole, json::value(*again)));
  return 0;
}
