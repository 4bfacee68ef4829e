// The IAM route bodies (api/iam_input.h): the password token request
// (POST /v3/auth/tokens), permanent key create and update
// (/v3.0/OS-CREDENTIAL/credentials[/{access}]) and the temporary key request
// (POST /v3.0/OS-CREDENTIAL/securitytokens), all decoded from the same JSON
// input (unknown fields are ignored, so one input exercises every decoder).
//
// Invariants: refusals are InvalidArgument; accepted values obey the rules the
// header promises; and an accepted policy survives the trip the server makes
// with it: flattened, FormatPolicy'd into the stored form and parsed back by
// identity::ParsePolicy (what the verifier does on every later request) to
// the same statements, each of which its own pattern matches.
#include "api/iam_input.h"
#include "api/input_text.h"
#include "api/json_reader.h"
#include "fuzz/fuzz_util.h"
#include "identity/policy.h"

using namespace csrd;
using csrd::fuzz::CheckRefusal;

namespace {

void CheckPasswordAuth(const api::PasswordAuthInput& in) {
  FUZZ_CHECK(!in.user_name.empty() || !in.user_id.empty());
  if (in.user_id.empty()) FUZZ_CHECK(!in.domain_name.empty() || !in.domain_id.empty());
}

void CheckTemporaryKey(const api::TemporaryKeyInput& in) {
  FUZZ_CHECK(in.duration_seconds >= api::kTempKeyMinSeconds &&
             in.duration_seconds <= api::kTempKeyMaxSeconds);
  if (in.token_id) FUZZ_CHECK(!in.token_id->view().empty());
  if (!in.has_policy) {
    FUZZ_CHECK(in.statements.empty());
    return;
  }
  FUZZ_CHECK(!in.statements.empty() && in.statements.size() <= api::kMaxPolicyStatements);
  // What CredentialHandlers::CreateTemporary stores.
  std::vector<identity::PolicyStatement> flat;
  for (const auto& s : in.statements) {
    FUZZ_CHECK(!s.actions.empty() && s.actions.size() <= api::kMaxPolicyActions);
    for (const auto& a : s.actions) flat.push_back({s.allow, a});
  }
  const std::string stored = identity::FormatPolicy(flat);
  auto back = identity::ParsePolicy(stored);
  if (!back.ok()) {
    std::fprintf(stderr, "accepted policy is stored in a form the verifier refuses: %s\n",
                 back.status().ToString().c_str());
    std::abort();
  }
  FUZZ_CHECK(*back == flat);
  for (const auto& st : flat) {
    FUZZ_CHECK(identity::ActionPatternMatches(st.action_pattern, st.action_pattern));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = api::ParseJsonObject(fuzz::AsView(data, size));
  if (!body.ok()) return 0;  // json_object_fuzz covers the refusals

  if (auto pw = api::ParsePasswordAuth(*body); pw.ok()) {
    CheckPasswordAuth(*pw);
  } else {
    CheckRefusal(pw.status());
  }

  if (auto tk = api::ParseTemporaryKeyRequest(*body); tk.ok()) {
    CheckTemporaryKey(*tk);
  } else {
    CheckRefusal(tk.status());
  }

  if (auto create = api::ParseCredentialCreate(*body); create.ok()) {
    if (create->description) {
      const bool valid = api::ValidCredentialDescription(*create->description);
      FUZZ_CHECK(valid == (create->description->size() <= 255 &&
                           !api::HasControlChar(*create->description)));
    }
  } else {
    CheckRefusal(create.status());
  }

  if (auto update = api::ParseCredentialUpdate(*body); update.ok()) {
    FUZZ_CHECK(update->status || update->description);
  } else {
    CheckRefusal(update.status());
  }
  return 0;
}
