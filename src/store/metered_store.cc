#include "store/metered_store.h"

#include <utility>

namespace csrd::store {

std::string_view MeteredStore::OpName(Op op) {
  switch (op) {
    case Op::kGetMeta: return "get_meta";
    case Op::kPutMeta: return "put_meta";
    case Op::kBootstrapIfEmpty: return "bootstrap_if_empty";
    case Op::kCreateAccount: return "create_account";
    case Op::kGetAccountById: return "get_account_by_id";
    case Op::kGetAccountByName: return "get_account_by_name";
    case Op::kListAccounts: return "list_accounts";
    case Op::kCreateUser: return "create_user";
    case Op::kGetUserById: return "get_user_by_id";
    case Op::kGetUserByName: return "get_user_by_name";
    case Op::kListUsers: return "list_users";
    case Op::kSetUserRoles: return "set_user_roles";
    case Op::kSetUserPassword: return "set_user_password";
    case Op::kSetUserEnabled: return "set_user_enabled";
    case Op::kInsertToken: return "insert_token";
    case Op::kGetToken: return "get_token";
    case Op::kRevokeToken: return "revoke_token";
    case Op::kDeleteExpiredTokens: return "delete_expired_tokens";
    case Op::kGetThrottle: return "get_throttle";
    case Op::kRecordFailure: return "record_failure";
    case Op::kClearThrottle: return "clear_throttle";
    case Op::kInsertCsr: return "insert_csr";
    case Op::kGetCsr: return "get_csr";
    case Op::kListCsrs: return "list_csrs";
    case Op::kRenameCsr: return "rename_csr";
    case Op::kDeleteCsr: return "delete_csr";
    case Op::kRecordKeyExport: return "record_key_export";
    case Op::kCountCsrs: return "count_csrs";
    case Op::kInsertAudit: return "insert_audit";
    case Op::kListAudit: return "list_audit";
    case Op::kInsertCredential: return "insert_credential";
    case Op::kGetCredential: return "get_credential";
    case Op::kListCredentials: return "list_credentials";
    case Op::kUpdateCredential: return "update_credential";
    case Op::kDeleteCredential: return "delete_credential";
    case Op::kTouchCredential: return "touch_credential";
    case Op::kDeleteExpiredCredentials: return "delete_expired_credentials";
    case Op::kRememberOnce: return "remember_once";
    case Op::kRememberProject: return "remember_project";
    case Op::kListProjects: return "list_projects";
    case Op::kDeleteUser: return "delete_user";
    case Op::kPing: return "ping";
    case Op::kGetAkSkContext: return "get_aksk_context";
    case Op::kGetTokenContext: return "get_token_context";
    case Op::kCount: break;
  }
  return "unknown";
}

MeteredStore::MeteredStore(std::unique_ptr<Store> inner, metrics::Registry* registry)
    : inner_(std::move(inner)),
      family_(registry->AddHistogram(
          "csrd_db_operation_duration_seconds",
          "Time spent in one Store call (one query or transaction), by operation.",
          {"operation"}, metrics::LatencyBuckets())) {}

metrics::Histogram* MeteredStore::Latency(Op op) {
  auto& slot = latency_[static_cast<size_t>(op)];
  metrics::Histogram* h = slot.load(std::memory_order_acquire);
  if (h == nullptr) {
    // Racing first calls get the same child from the family.
    h = family_->With({OpName(op)});
    slot.store(h, std::memory_order_release);
  }
  return h;
}

Result<std::optional<std::string>> MeteredStore::GetMeta(std::string_view key) {
  return Timed(Op::kGetMeta, [&] { return inner_->GetMeta(key); });
}
Status MeteredStore::PutMeta(std::string_view key, std::string_view value) {
  return Timed(Op::kPutMeta, [&] { return inner_->PutMeta(key, value); });
}
Result<bool> MeteredStore::BootstrapIfEmpty(const Account& account, const User& admin) {
  return Timed(Op::kBootstrapIfEmpty, [&] { return inner_->BootstrapIfEmpty(account, admin); });
}
Status MeteredStore::CreateAccount(const Account& account) {
  return Timed(Op::kCreateAccount, [&] { return inner_->CreateAccount(account); });
}
Result<Account> MeteredStore::GetAccountById(std::string_view id) {
  return Timed(Op::kGetAccountById, [&] { return inner_->GetAccountById(id); });
}
Result<Account> MeteredStore::GetAccountByName(std::string_view name) {
  return Timed(Op::kGetAccountByName, [&] { return inner_->GetAccountByName(name); });
}
Result<std::vector<Account>> MeteredStore::ListAccounts() {
  return Timed(Op::kListAccounts, [&] { return inner_->ListAccounts(); });
}
Status MeteredStore::CreateUser(const User& user) {
  return Timed(Op::kCreateUser, [&] { return inner_->CreateUser(user); });
}
Result<User> MeteredStore::GetUserById(std::string_view id) {
  return Timed(Op::kGetUserById, [&] { return inner_->GetUserById(id); });
}
Result<User> MeteredStore::GetUserByName(std::string_view account_id, std::string_view name) {
  return Timed(Op::kGetUserByName, [&] { return inner_->GetUserByName(account_id, name); });
}
Result<std::vector<User>> MeteredStore::ListUsers(std::string_view account_id) {
  return Timed(Op::kListUsers, [&] { return inner_->ListUsers(account_id); });
}
Status MeteredStore::SetUserRoles(std::string_view user_id, uint32_t roles) {
  return Timed(Op::kSetUserRoles, [&] { return inner_->SetUserRoles(user_id, roles); });
}
Status MeteredStore::SetUserPassword(std::string_view user_id, std::string_view password_hash,
                                     int64_t now) {
  return Timed(Op::kSetUserPassword,
               [&] { return inner_->SetUserPassword(user_id, password_hash, now); });
}
Status MeteredStore::SetUserEnabled(std::string_view user_id, bool enabled) {
  return Timed(Op::kSetUserEnabled, [&] { return inner_->SetUserEnabled(user_id, enabled); });
}
Status MeteredStore::InsertToken(const Token& token) {
  return Timed(Op::kInsertToken, [&] { return inner_->InsertToken(token); });
}
Result<Token> MeteredStore::GetToken(std::string_view token_hash) {
  return Timed(Op::kGetToken, [&] { return inner_->GetToken(token_hash); });
}
Status MeteredStore::RevokeToken(std::string_view token_hash) {
  return Timed(Op::kRevokeToken, [&] { return inner_->RevokeToken(token_hash); });
}
Status MeteredStore::DeleteExpiredTokens(int64_t now) {
  return Timed(Op::kDeleteExpiredTokens, [&] { return inner_->DeleteExpiredTokens(now); });
}
Result<Throttle> MeteredStore::GetThrottle(std::string_view key) {
  return Timed(Op::kGetThrottle, [&] { return inner_->GetThrottle(key); });
}
Result<Throttle> MeteredStore::RecordFailure(std::string_view key, int64_t now, int64_t window_ms,
                                             int threshold, int64_t lock_ms) {
  return Timed(Op::kRecordFailure,
               [&] { return inner_->RecordFailure(key, now, window_ms, threshold, lock_ms); });
}
Status MeteredStore::ClearThrottle(std::string_view key) {
  return Timed(Op::kClearThrottle, [&] { return inner_->ClearThrottle(key); });
}
Status MeteredStore::InsertCsr(const Csr& csr, int64_t max_per_account, const AuditEvent* audit) {
  return Timed(Op::kInsertCsr, [&] { return inner_->InsertCsr(csr, max_per_account, audit); });
}
Result<Csr> MeteredStore::GetCsr(std::string_view account_id, std::string_view id) {
  return Timed(Op::kGetCsr, [&] { return inner_->GetCsr(account_id, id); });
}
Result<CsrPage> MeteredStore::ListCsrs(std::string_view account_id, const CsrQuery& query) {
  return Timed(Op::kListCsrs, [&] { return inner_->ListCsrs(account_id, query); });
}
Result<Csr> MeteredStore::RenameCsr(std::string_view account_id, std::string_view id,
                                    std::string_view name, int64_t now, const AuditEvent* audit) {
  return Timed(Op::kRenameCsr,
               [&] { return inner_->RenameCsr(account_id, id, name, now, audit); });
}
Status MeteredStore::DeleteCsr(std::string_view account_id, std::string_view id,
                               const AuditEvent* audit) {
  return Timed(Op::kDeleteCsr, [&] { return inner_->DeleteCsr(account_id, id, audit); });
}
Result<Csr> MeteredStore::RecordKeyExport(std::string_view account_id, std::string_view id,
                                          const AuditEvent& event, int64_t now) {
  return Timed(Op::kRecordKeyExport,
               [&] { return inner_->RecordKeyExport(account_id, id, event, now); });
}
Result<int64_t> MeteredStore::CountCsrs(std::string_view account_id) {
  return Timed(Op::kCountCsrs, [&] { return inner_->CountCsrs(account_id); });
}
Status MeteredStore::InsertAudit(const AuditEvent& event) {
  return Timed(Op::kInsertAudit, [&] { return inner_->InsertAudit(event); });
}
Result<AuditPage> MeteredStore::ListAudit(std::string_view account_id, const AuditQuery& query) {
  return Timed(Op::kListAudit, [&] { return inner_->ListAudit(account_id, query); });
}
Status MeteredStore::InsertCredential(const Credential& cred, int max_permanent_per_user,
                                      const AuditEvent* audit) {
  return Timed(Op::kInsertCredential,
               [&] { return inner_->InsertCredential(cred, max_permanent_per_user, audit); });
}
Result<Credential> MeteredStore::GetCredential(std::string_view access) {
  return Timed(Op::kGetCredential, [&] { return inner_->GetCredential(access); });
}
Result<std::vector<Credential>> MeteredStore::ListCredentials(std::string_view user_id) {
  return Timed(Op::kListCredentials, [&] { return inner_->ListCredentials(user_id); });
}
Result<Credential> MeteredStore::UpdateCredential(std::string_view access,
                                                  std::optional<std::string> status,
                                                  std::optional<std::string> description) {
  return Timed(Op::kUpdateCredential, [&] {
    return inner_->UpdateCredential(access, std::move(status), std::move(description));
  });
}
Status MeteredStore::DeleteCredential(std::string_view access, const AuditEvent* audit) {
  return Timed(Op::kDeleteCredential, [&] { return inner_->DeleteCredential(access, audit); });
}
Status MeteredStore::TouchCredential(std::string_view access, int64_t now,
                                     int64_t min_interval_ms) {
  return Timed(Op::kTouchCredential,
               [&] { return inner_->TouchCredential(access, now, min_interval_ms); });
}
Status MeteredStore::DeleteExpiredCredentials(int64_t now) {
  return Timed(Op::kDeleteExpiredCredentials,
               [&] { return inner_->DeleteExpiredCredentials(now); });
}
Result<AkSkContext> MeteredStore::GetAkSkContext(std::string_view access,
                                                 std::string_view throttle_key) {
  return Timed(Op::kGetAkSkContext, [&] { return inner_->GetAkSkContext(access, throttle_key); });
}
Result<TokenContext> MeteredStore::GetTokenContext(std::string_view token_hash) {
  return Timed(Op::kGetTokenContext, [&] { return inner_->GetTokenContext(token_hash); });
}
Result<bool> MeteredStore::RememberOnce(std::string_view key, int64_t now, int64_t expires_at) {
  return Timed(Op::kRememberOnce, [&] { return inner_->RememberOnce(key, now, expires_at); });
}
Status MeteredStore::RememberProject(const Project& project) {
  return Timed(Op::kRememberProject, [&] { return inner_->RememberProject(project); });
}
Result<std::vector<Project>> MeteredStore::ListProjects(std::string_view account_id) {
  return Timed(Op::kListProjects, [&] { return inner_->ListProjects(account_id); });
}
Status MeteredStore::DeleteUser(std::string_view user_id) {
  return Timed(Op::kDeleteUser, [&] { return inner_->DeleteUser(user_id); });
}
Status MeteredStore::Ping() {
  return Timed(Op::kPing, [&] { return inner_->Ping(); });
}

}  // namespace csrd::store
