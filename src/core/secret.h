// Secret: a string that is wiped (OPENSSL_cleanse) when it dies.
//
// Holds passwords, tokens, SKs, PEM private keys and the master key while they
// are in use. Move-only so that no silent copy escapes the wipe. Note that any
// std::string you copy *out* of it (value()) is yours to wipe.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace csrd {

void SecureWipe(void* p, size_t n);
void SecureWipe(std::string& s);  // wipes the whole capacity, then clears

// Wipes a string it does not own when the scope ends: for request bodies that
// carry a password or a private key in the clear.
class ScopedWipe {
 public:
  explicit ScopedWipe(std::string& s) : s_(s) {}
  ScopedWipe(const ScopedWipe&) = delete;
  ScopedWipe& operator=(const ScopedWipe&) = delete;
  ~ScopedWipe() { SecureWipe(s_); }

 private:
  std::string& s_;
};

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string v) : v_(std::move(v)) {}
  explicit Secret(std::string_view v) : v_(v) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& o) noexcept : v_(std::move(o.v_)) { SecureWipe(o.v_); }
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) {
      SecureWipe(v_);
      v_ = std::move(o.v_);
      SecureWipe(o.v_);
    }
    return *this;
  }
  ~Secret() { SecureWipe(v_); }

  std::string_view view() const { return v_; }
  const std::string& str() const { return v_; }
  std::string& mutable_str() { return v_; }
  size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }

 private:
  std::string v_;
};

}  // namespace csrd
