#include "identity/names.h"

namespace csrd::identity {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Status ValidateUserName(std::string_view name) {
  static constexpr char kRule[] =
      "user name must be 1..64 characters of letters, digits, '_', '-', '.' or space, "
      "not starting with a digit";
  if (name.empty() || name.size() > 64 || IsAsciiDigit(name.front())) {
    return Status::InvalidArgument(kRule);
  }
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c) && c != '_' && c != '-' && c != '.' && c != ' ') {
      return Status::InvalidArgument(kRule);
    }
  }
  return Status::Ok();
}

Status ValidateAccountName(std::string_view name) {
  static constexpr char kRule[] =
      "account name must be 1..64 characters of letters, digits, '_', '-' or '.', "
      "starting with a letter or '_'";
  if (name.empty() || name.size() > 64) return Status::InvalidArgument(kRule);
  if (!IsAsciiLetter(name.front()) && name.front() != '_') return Status::InvalidArgument(kRule);
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c) && c != '_' && c != '-' && c != '.') {
      return Status::InvalidArgument(kRule);
    }
  }
  return Status::Ok();
}

Status ValidateProjectName(std::string_view name) {
  static constexpr char kRule[] =
      "project name must be 1..64 characters of letters, digits, '_', '-' or '.'";
  if (name.empty() || name.size() > 64) return Status::InvalidArgument(kRule);
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsAsciiDigit(c) && c != '_' && c != '-' && c != '.') {
      return Status::InvalidArgument(kRule);
    }
  }
  return Status::Ok();
}

Status ValidatePassword(std::string_view password) {
  if (password.size() < 8 || password.size() > 128) {
    return Status::InvalidArgument("password must be 8..128 bytes");
  }
  return Status::Ok();
}

}  // namespace csrd::identity
