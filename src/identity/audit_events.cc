#include "identity/audit_events.h"

namespace csrd::identity {

void RecordBestEffort(store::Store& store, const store::AuditEvent& event,
                      const AuditFailureHandler& on_failure) {
  Status st = store.InsertAudit(event);
  if (!st.ok() && on_failure) on_failure(event, st);
}

}  // namespace csrd::identity
