// Result<T>: a value or a non-OK Status (in the spirit of absl::StatusOr).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "core/status.h"

namespace csrd {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                 // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {           // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; Status::Ok() when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace csrd

#define CSRD_CONCAT_INNER(a, b) a##b
#define CSRD_CONCAT(a, b) CSRD_CONCAT_INNER(a, b)
// CSRD_ASSIGN_OR_RETURN(auto x, Foo()); returns Foo()'s Status on error.
#define CSRD_ASSIGN_OR_RETURN(lhs, expr) \
  CSRD_ASSIGN_OR_RETURN_IMPL(CSRD_CONCAT(_csrd_r_, __LINE__), lhs, expr)
#define CSRD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
