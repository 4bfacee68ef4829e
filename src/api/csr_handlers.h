// The seven SCM CSR operations (contract §1). Each runs after App has
// authenticated the caller and checked X-Domain-Id and the permission, so a
// handler starts at "input 400" in the §2.1 order: input -> existence -> key state.
#pragma once

#include <atomic>

#include "api/call.h"
#include "api/deps.h"

namespace csrd::api {

class CsrHandlers {
 public:
  CsrHandlers(const AppDeps& deps, const AppConfig& config)
      : deps_(deps), config_(config), keys_(deps.keys ? deps.keys : &inline_keys_) {}

  http::Response Create(Call& call);
  http::Response List(Call& call);
  http::Response Show(Call& call);
  http::Response Update(Call& call);
  http::Response Delete(Call& call);
  http::Response ShowPrivateKey(Call& call);
  http::Response Upload(Call& call);

 private:
  AppDeps deps_;
  AppConfig config_;
  crypto::InlineKeySource inline_keys_;  // when deps.keys is nullptr
  crypto::KeySource* keys_;
  std::atomic<int> pending_keygens_{0};
};

}  // namespace csrd::api
