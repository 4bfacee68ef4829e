// Status: the error type that crosses every module edge in csrd.
//
// Library code never throws across a module boundary; it returns a Status (or
// a Result<T>, see result.h). A Status is cheap to copy when OK. The message is
// for operators and logs and must never contain a secret (password, token, SK,
// private key): callers build messages from non-secret facts only.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace csrd {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,           // the thing asked for does not exist (or is not yours)
    kAlreadyExists,      // a unique name or key is taken
    kInvalidArgument,    // the caller's input breaks a rule
    kUnauthenticated,    // credentials missing, wrong, expired or locked
    kPermissionDenied,   // authenticated, but not allowed
    kResourceExhausted,  // a quota or concurrency cap is reached
    kFailedPrecondition, // state forbids the operation (e.g. no key stored)
    kUnavailable,        // a dependency (database) cannot serve now; retryable
    kCorruption,         // stored data fails an integrity check
    kInternal,           // a bug or an unexpected library failure
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsUnauthenticated() const { return code_ == Code::kUnauthenticated; }
  bool IsPermissionDenied() const { return code_ == Code::kPermissionDenied; }
  bool IsResourceExhausted() const { return code_ == Code::kResourceExhausted; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }

  // "NotFound: no such CSR" — for logs.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

}  // namespace csrd

// Propagates a non-OK Status from an expression returning Status.
#define CSRD_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::csrd::Status _csrd_st = (expr);       \
    if (!_csrd_st.ok()) return _csrd_st;    \
  } while (0)
