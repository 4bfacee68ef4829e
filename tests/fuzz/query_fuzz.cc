// The request path as the api layer sees it: percent-decoding
// (api/query.h), the raw query split, the ListCsr query rules and route
// matching (api/router.h). The input is "METHOD RAW_TARGET" (everything after
// the first space is the target, split at its first '?' like the server).
//
// Invariants: refusals are InvalidArgument; percent-decoding an encoding of
// any bytes (either hex case) gives them back; decoding then re-encoding then
// decoding is stable; the query split keeps every piece; an accepted ListCsr
// query holds values inside the documented ranges; a matched route with an
// {id} carries a non-empty segment without '/', and putting that segment (or
// any fuzz-made one) back into the route's template matches the same route
// with the same raw id.
#include "api/input_text.h"
#include "api/query.h"
#include "api/router.h"
#include "crypto/key_algo.h"
#include "fuzz/fuzz_util.h"

using namespace csrd;
using csrd::fuzz::CheckRefusal;

namespace {

std::string Encode(std::string_view s, bool lower_hex, bool encode_all) {
  static constexpr char kUpper[] = "0123456789ABCDEF";
  static constexpr char kLower[] = "0123456789abcdef";
  const char* hex = lower_hex ? kLower : kUpper;
  std::string out;
  for (char c : s) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain && !encode_all) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(hex[b >> 4]);
      out.push_back(hex[b & 0xF]);
    }
  }
  return out;
}

std::string Fill(std::string_view tmpl, std::string_view id) {
  std::string out(tmpl);
  const size_t open = out.find('{');
  if (open != std::string::npos) out.replace(open, out.find('}') - open + 1, id);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input = fuzz::AsView(data, size);

  // Percent-decoding round trips.
  for (bool lower : {false, true}) {
    for (bool all : {false, true}) {
      auto back = api::PercentDecode(Encode(input, lower, all));
      FUZZ_CHECK(back.ok() && *back == input);
    }
  }
  auto decoded = api::PercentDecode(input);
  if (decoded.ok()) {
    FUZZ_CHECK(decoded->size() <= input.size());
    auto again = api::PercentDecode(Encode(*decoded, false, false));
    FUZZ_CHECK(again.ok() && *again == *decoded);
  } else {
    CheckRefusal(decoded.status());
    FUZZ_CHECK(input.find('%') != std::string_view::npos);
  }

  const size_t space = input.find(' ');
  const std::string_view method = input.substr(0, space);
  const std::string_view target =
      space == std::string_view::npos ? std::string_view() : input.substr(space + 1);
  const size_t qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query =
      qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);

  // The query split: each piece decodes on its own.
  auto params = api::ParseQuery(query);
  if (params.ok()) {
    size_t pieces = 0;
    std::string_view rest = query;
    while (true) {
      const std::string_view piece = fuzz::TakeUntil(rest, '&');
      pieces += piece.empty() ? 0 : 1;
      if (rest.empty()) break;
    }
    FUZZ_CHECK(params->size() == pieces);
  } else {
    CheckRefusal(params.status());
  }
  auto list = api::ParseListCsrQuery(query);
  if (list.ok()) {
    FUZZ_CHECK(params.ok());
    FUZZ_CHECK(list->limit >= api::kListLimitMin && list->limit <= api::kListLimitMax);
    FUZZ_CHECK(list->offset >= 0 && list->offset <= api::kListOffsetMax);
    auto n = csrd::CountCodePoints(list->name);
    FUZZ_CHECK(n && *n <= api::kListNameMaxChars);
    FUZZ_CHECK(list->private_key_algo.empty() || crypto::ParseKeyAlgo(list->private_key_algo));
  } else {
    CheckRefusal(list.status());
  }

  // Routing.
  const api::RouteMatch m = api::MatchRoute(method, path);
  const std::string_view tmpl = api::RouteTemplate(m.id);
  if (m.id == api::RouteId::kNone) {
    FUZZ_CHECK(m.raw_id.empty());
  } else if (tmpl.find('{') != std::string_view::npos) {
    FUZZ_CHECK(!m.raw_id.empty() && m.raw_id.find('/') == std::string::npos);
    FUZZ_CHECK(Fill(tmpl, m.raw_id) == path);
  } else {
    FUZZ_CHECK(m.raw_id.empty() && tmpl == path);
  }
  // Any id, encoded as a client would, lands in its segment untouched.
  const std::string id = Encode(input, false, false);
  if (!id.empty()) {
    for (const api::RouteInfo& r : api::AllRoutes()) {
      if (r.path_template.find('{') == std::string_view::npos) continue;
      const api::RouteMatch back = api::MatchRoute(r.method, Fill(r.path_template, id));
      FUZZ_CHECK(back.id == r.id && back.raw_id == id);
    }
  }
  return 0;
}
