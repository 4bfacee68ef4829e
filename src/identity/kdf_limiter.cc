#include "identity/kdf_limiter.h"

namespace csrd::identity {

KdfLimiter::Permit& KdfLimiter::Permit::operator=(Permit&& o) noexcept {
  if (this != &o) {
    if (owner_ != nullptr) owner_->Release();
    owner_ = o.owner_;
    o.owner_ = nullptr;
  }
  return *this;
}

KdfLimiter::Permit::~Permit() {
  if (owner_ != nullptr) owner_->Release();
}

KdfLimiter::KdfLimiter(int max_concurrent) : capacity_(max_concurrent < 1 ? 1 : max_concurrent) {}

std::optional<KdfLimiter::Permit> KdfLimiter::TryAcquire() {
  int cur = in_use_.load();
  while (cur < capacity_) {
    if (in_use_.compare_exchange_weak(cur, cur + 1)) return Permit(this);
  }
  return std::nullopt;
}

void KdfLimiter::Release() { in_use_.fetch_sub(1); }

}  // namespace csrd::identity
