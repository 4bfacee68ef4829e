// The audit actions the identity layer and the IAM routes record, and the
// best-effort write used for events that must not fail their request (a
// failed login stays a 401, a lockout stays a 401, even if the database
// cannot take the record).
//
// SCM actions use identity::ActionName (permissions.h); see the README's
// "Audit log" section for what each event carries.
#pragma once

#include <functional>
#include <string_view>

#include "core/status.h"
#include "store/records.h"
#include "store/store.h"

namespace csrd::identity {

inline constexpr std::string_view kAuditLogin = "iam::login";
inline constexpr std::string_view kAuditAkLocked = "iam::akLocked";
inline constexpr std::string_view kAuditCreateCredential = "iam::createCredential";
inline constexpr std::string_view kAuditDeleteCredential = "iam::deleteCredential";
inline constexpr std::string_view kOutcomeSuccess = "success";
inline constexpr std::string_view kOutcomeFailure = "failure";

// Told about a best-effort event the store refused, so the program can log
// it. The event holds no secret and the Status message none either (Store
// contract). Called on the request's thread; must be thread-safe.
using AuditFailureHandler =
    std::function<void(const store::AuditEvent& event, const Status& status)>;

// Inserts event. A failure goes to on_failure (when set) and no further: the
// caller's request goes on as if the record had been written.
void RecordBestEffort(store::Store& store, const store::AuditEvent& event,
                      const AuditFailureHandler& on_failure);

}  // namespace csrd::identity
