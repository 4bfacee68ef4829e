#include "client/response.h"

#include <boost/json/parse.hpp>
#include <new>

#include "client/render.h"
#include "core/json_wiping.h"

namespace csrd::client {
namespace {

const boost::json::string* StringField(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  return it->value().if_string();
}

// A (code, message) pair in obj under one of the SDKs' spellings. code may be
// a string or an integer (Keystone).
bool FindPair(const boost::json::object& obj, std::string* code, std::string* message) {
  static constexpr std::pair<std::string_view, std::string_view> kPairs[] = {
      {"error_code", "error_msg"}, {"errorCode", "errorMsg"}, {"code", "message"}};
  for (const auto& [ck, mk] : kPairs) {
    auto c = obj.find(ck);
    const boost::json::string* m = StringField(obj, mk);
    if (c == obj.end() || m == nullptr) continue;
    if (const auto* s = c->value().if_string()) {
      *code = std::string(*s);
    } else if (c->value().is_int64()) {
      *code = std::to_string(c->value().get_int64());
    } else {
      continue;
    }
    *message = std::string(*m);
    return true;
  }
  return false;
}

bool FindNested(const boost::json::object& obj, ApiError* err, int depth) {
  if (depth > 8) return false;
  for (const auto& kv : obj) {
    if (const auto* inner = kv.value().if_object()) {
      if (FindPair(*inner, &err->error_code, &err->error_msg)) {
        if (const auto* t = StringField(*inner, "title")) err->title = std::string(*t);
        err->keystone = kv.key() == "error";
        return true;
      }
      if (FindNested(*inner, err, depth + 1)) return true;
    }
  }
  return false;
}

}  // namespace

Result<boost::json::value> ParseJsonBody(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, WipingJsonStorage());
  if (ec) return Status::InvalidArgument("the response body is not JSON");
  return v;
}

ApiError DecodeApiError(const HttpResponse& response) {
  ApiError err;
  err.status = response.status;
  if (auto rid = response.Header("X-Request-Id")) err.request_id = std::string(*rid);
  Result<boost::json::value> body = ParseJsonBody(response.body);
  bool found = false;
  if (body.ok() && body->is_object()) {
    const auto& obj = body->get_object();
    found = FindPair(obj, &err.error_code, &err.error_msg) || FindNested(obj, &err, 0);
    if (err.request_id.empty()) {
      if (const auto* rid = StringField(obj, "request_id")) err.request_id = std::string(*rid);
    }
  }
  if (!found) {
    err.error_code = std::to_string(response.status);
    std::string_view text = response.body;
    if (text.empty()) {
      err.error_msg = "(empty body)";
    } else {
      err.error_msg = std::string(text.substr(0, 300));
      if (text.size() > 300) err.error_msg += "...";
    }
  }
  return err;
}

std::string DescribeApiError(const ApiError& error) {
  std::string out = "HTTP " + std::to_string(error.status) + " ";
  if (error.keystone) {
    out += SanitizeText(error.title.empty() ? error.error_code : error.title);
  } else {
    out += SanitizeText(error.error_code);
  }
  out += ": " + SanitizeText(error.error_msg);
  if (!error.request_id.empty()) out += " (request id " + SanitizeText(error.request_id) + ")";
  return out;
}

boost::json::object ApiErrorJson(const ApiError& error) {
  boost::json::object inner;
  inner["status"] = error.status;
  inner["error_code"] = error.error_code;
  inner["error_msg"] = error.error_msg;
  inner["request_id"] = error.request_id;
  if (error.keystone) inner["title"] = error.title;
  boost::json::object out;
  out["error"] = std::move(inner);
  return out;
}

}  // namespace csrd::client
