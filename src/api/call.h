// Call: one request on its way through the App, and the helpers handlers use
// to answer it.
#pragma once

#include <optional>
#include <string_view>

#include <boost/json/value.hpp>

#include "api/errors.h"
#include "api/router.h"
#include "http/message.h"
#include "identity/principal.h"

namespace csrd::api {

struct Call {
  http::Request& req;
  RouteMatch route;
  std::optional<identity::Principal> principal;  // set once authenticated

  // An error in the shape the path calls for, carrying this request's id.
  http::Response Fail(const ApiError& err) const {
    return RenderError(req.path, err, req.request_id);
  }
};

http::Response JsonResponse(int status, const boost::json::value& body);

}  // namespace csrd::api
