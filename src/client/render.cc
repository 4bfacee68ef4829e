#include "client/render.h"

#include <ctime>

#include <boost/json/serialize.hpp>

#include "core/utf8.h"

namespace csrd::client {
namespace {

// The code point at s[i], advancing i; -1 (one byte consumed) when malformed.
long NextCodePoint(std::string_view s, size_t& i) {
  const std::optional<char32_t> cp = csrd::NextCodePoint(s, &i);
  return cp ? static_cast<long>(*cp) : -1;
}

int CodePointWidth(long cp) {
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F)) {
    return 0;
  }
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
      (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

void Pad(std::string& out, size_t width, size_t target) {
  if (target > width) out.append(target - width, ' ');
}

void RStrip(std::string& line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
}

void Pretty(const boost::json::value& v, std::string& out, int indent) {
  auto newline = [&](int level) {
    out.push_back('\n');
    out.append(static_cast<size_t>(level) * 2, ' ');
  };
  if (v.is_object()) {
    const auto& obj = v.get_object();
    if (obj.empty()) {
      out += "{}";
      return;
    }
    out.push_back('{');
    bool first = true;
    for (const auto& kv : obj) {
      if (!first) out.push_back(',');
      first = false;
      newline(indent + 1);
      out += boost::json::serialize(boost::json::string_view(kv.key()));
      out += ": ";
      Pretty(kv.value(), out, indent + 1);
    }
    newline(indent);
    out.push_back('}');
  } else if (v.is_array()) {
    const auto& arr = v.get_array();
    if (arr.empty()) {
      out += "[]";
      return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& item : arr) {
      if (!first) out.push_back(',');
      first = false;
      newline(indent + 1);
      Pretty(item, out, indent + 1);
    }
    newline(indent);
    out.push_back(']');
  } else {
    out += boost::json::serialize(v);
  }
}

}  // namespace

std::string SanitizeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    long cp = NextCodePoint(s, i);
    if (cp < 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
      out.push_back('?');
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}

size_t DisplayWidth(std::string_view utf8) {
  size_t width = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    long cp = NextCodePoint(utf8, i);
    width += cp < 0 ? 1 : static_cast<size_t>(CodePointWidth(cp));
  }
  return width;
}

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  size_t cols = header.size();
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size() + 1);
  cells.push_back({});
  for (const auto& h : header) cells.back().push_back(SanitizeText(h));
  for (const auto& row : rows) {
    cells.push_back({});
    for (size_t c = 0; c < cols; ++c) cells.back().push_back(c < row.size() ? SanitizeText(row[c]) : "");
  }
  std::vector<size_t> widths(cols, 0);
  for (const auto& row : cells) {
    for (size_t c = 0; c < cols; ++c) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (size_t c = 0; c < cols; ++c) {
      if (c > 0) line += "  ";
      line += row[c];
      if (c + 1 < cols) Pad(line, DisplayWidth(row[c]), widths[c]);
    }
    RStrip(line);
    out += line;
    out.push_back('\n');
  }
  return out;
}

std::string RenderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& f : fields) width = std::max(width, DisplayWidth(f.first));
  std::string out;
  for (const auto& [key, value] : fields) {
    std::string line = SanitizeText(key);
    Pad(line, DisplayWidth(key), width);
    line += "  ";
    line += SanitizeText(value);
    RStrip(line);
    out += line;
    out.push_back('\n');
  }
  return out;
}

std::string PrettyJson(const boost::json::value& v) {
  std::string out;
  Pretty(v, out, 0);
  out.push_back('\n');
  return out;
}

std::string FormatTimeMs(int64_t epoch_ms) {
  if (epoch_ms == 0) return "-";
  time_t secs = static_cast<time_t>(epoch_ms / 1000);
  if (epoch_ms < 0 && epoch_ms % 1000 != 0) --secs;
  struct tm tm;
  if (gmtime_r(&secs, &tm) == nullptr) return std::to_string(epoch_ms);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

}  // namespace csrd::client
