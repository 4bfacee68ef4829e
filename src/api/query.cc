#include "api/query.h"

#include <optional>

#include "api/input_text.h"
#include "core/encoding.h"
#include "crypto/key_algo.h"

namespace csrd::api {
std::optional<int64_t> ParseDecimal(std::string_view s, int64_t max) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > max) return std::nullopt;  // stops before int64 could overflow
  }
  return v;
}

Result<std::string> PercentDecode(std::string_view s) {
  std::optional<std::string> out = csrd::PercentDecode(s);
  if (!out) return Status::InvalidArgument("malformed percent-escape");
  return std::move(*out);
}

Result<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view raw) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t amp = raw.find('&', pos);
    if (amp == std::string_view::npos) amp = raw.size();
    const std::string_view piece = raw.substr(pos, amp - pos);
    pos = amp + 1;
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    Result<std::string> name = PercentDecode(piece.substr(0, eq));
    Result<std::string> value =
        eq == std::string_view::npos ? std::string() : PercentDecode(piece.substr(eq + 1));
    if (!name.ok() || !value.ok()) {
      return Status::InvalidArgument("query: malformed percent-escape");
    }
    out.emplace_back(std::move(name).value(), std::move(value).value());
  }
  return out;
}

Result<ListCsrInput> ParseListCsrQuery(std::string_view raw_query) {
  CSRD_ASSIGN_OR_RETURN(auto params, ParseQuery(raw_query));
  ListCsrInput in;
  bool seen_limit = false, seen_offset = false, seen_name = false, seen_algo = false;
  auto once = [](bool& seen, const char* param) -> Status {
    if (seen) return Status::InvalidArgument(std::string(param) + ": must not be repeated");
    seen = true;
    return Status::Ok();
  };
  for (const auto& [key, value] : params) {
    if (key == "limit") {
      CSRD_RETURN_IF_ERROR(once(seen_limit, "limit"));
      if (value.empty()) continue;
      const std::optional<int64_t> v = ParseDecimal(value, kListLimitMax);
      if (!v || *v < kListLimitMin) {
        return Status::InvalidArgument("limit: must be decimal digits, 10..50");
      }
      in.limit = static_cast<int>(*v);
    } else if (key == "offset") {
      CSRD_RETURN_IF_ERROR(once(seen_offset, "offset"));
      if (value.empty()) continue;
      const std::optional<int64_t> v = ParseDecimal(value, kListOffsetMax);
      if (!v) return Status::InvalidArgument("offset: must be decimal digits, 0..2147483647");
      in.offset = *v;
    } else if (key == "name") {
      CSRD_RETURN_IF_ERROR(once(seen_name, "name"));
      CSRD_RETURN_IF_ERROR(CheckText("name", value, 0, kListNameMaxChars,
                                     /*forbid_controls=*/false));
      in.name = value;
    } else if (key == "private_key_algo") {
      CSRD_RETURN_IF_ERROR(once(seen_algo, "private_key_algo"));
      if (value.empty()) continue;
      if (!crypto::ParseKeyAlgo(value)) {
        return Status::InvalidArgument(
            "private_key_algo: must be one of RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P384, "
            "SM2");
      }
      in.private_key_algo = value;
    }
  }
  return in;
}

}  // namespace csrd::api
