// MeteredStore: a Store decorator that times every call into
// csrd_db_operation_duration_seconds{operation} (a histogram, seconds), the
// operation being the method's snake_case name ("insert_csr", "get_token").
//
// Behaviour is exactly the inner store's: results and statuses pass through
// untouched. Recording costs one steady_clock read at each end and two
// relaxed atomic adds; an operation's histogram child is looked up on its
// first call and cached in an array indexed by operation (so only the
// operations used appear on /metrics). Thread-safe if the inner store is.
//
// A method added to Store must be added here too (the compiler insists).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>

#include "core/metrics.h"
#include "store/store.h"

namespace csrd::store {

class MeteredStore final : public Store {
 public:
  // Owns inner. registry is borrowed and must outlive this store; the
  // histogram family is registered on it (again for a second MeteredStore
  // on the same registry: both then feed the same series). Backend-only
  // metrics are not this decorator's (RegisterBackendMetrics, open_store.h).
  MeteredStore(std::unique_ptr<Store> inner, metrics::Registry* registry);

  Store& inner() { return *inner_; }

  Result<std::optional<std::string>> GetMeta(std::string_view key) override;
  Status PutMeta(std::string_view key, std::string_view value) override;
  Result<bool> BootstrapIfEmpty(const Account& account, const User& admin) override;
  Status CreateAccount(const Account& account) override;
  Result<Account> GetAccountById(std::string_view id) override;
  Result<Account> GetAccountByName(std::string_view name) override;
  Result<std::vector<Account>> ListAccounts() override;
  Status CreateUser(const User& user) override;
  Result<User> GetUserById(std::string_view id) override;
  Result<User> GetUserByName(std::string_view account_id, std::string_view name) override;
  Result<std::vector<User>> ListUsers(std::string_view account_id) override;
  Status SetUserRoles(std::string_view user_id, uint32_t roles) override;
  Status SetUserPassword(std::string_view user_id, std::string_view password_hash,
                         int64_t now) override;
  Status SetUserEnabled(std::string_view user_id, bool enabled) override;
  Status InsertToken(const Token& token) override;
  Result<Token> GetToken(std::string_view token_hash) override;
  Status RevokeToken(std::string_view token_hash) override;
  Status DeleteExpiredTokens(int64_t now) override;
  Result<Throttle> GetThrottle(std::string_view key) override;
  Result<Throttle> RecordFailure(std::string_view key, int64_t now, int64_t window_ms,
                                 int threshold, int64_t lock_ms) override;
  Status ClearThrottle(std::string_view key) override;
  Status InsertCsr(const Csr& csr, int64_t max_per_account,
                   const AuditEvent* audit = nullptr) override;
  Result<Csr> GetCsr(std::string_view account_id, std::string_view id) override;
  Result<CsrPage> ListCsrs(std::string_view account_id, const CsrQuery& query) override;
  Result<Csr> RenameCsr(std::string_view account_id, std::string_view id, std::string_view name,
                        int64_t now, const AuditEvent* audit = nullptr) override;
  Status DeleteCsr(std::string_view account_id, std::string_view id,
                   const AuditEvent* audit = nullptr) override;
  Result<Csr> RecordKeyExport(std::string_view account_id, std::string_view id,
                              const AuditEvent& event, int64_t now) override;
  Result<int64_t> CountCsrs(std::string_view account_id) override;
  Status InsertAudit(const AuditEvent& event) override;
  Result<AuditPage> ListAudit(std::string_view account_id, const AuditQuery& query) override;
  Status InsertCredential(const Credential& cred, int max_permanent_per_user,
                          const AuditEvent* audit = nullptr) override;
  Result<Credential> GetCredential(std::string_view access) override;
  Result<std::vector<Credential>> ListCredentials(std::string_view user_id) override;
  Result<Credential> UpdateCredential(std::string_view access, std::optional<std::string> status,
                                      std::optional<std::string> description) override;
  Status DeleteCredential(std::string_view access, const AuditEvent* audit = nullptr) override;
  Status TouchCredential(std::string_view access, int64_t now, int64_t min_interval_ms) override;
  Status DeleteExpiredCredentials(int64_t now) override;
  Result<AkSkContext> GetAkSkContext(std::string_view access,
                                     std::string_view throttle_key) override;
  Result<TokenContext> GetTokenContext(std::string_view token_hash) override;
  Result<bool> RememberOnce(std::string_view key, int64_t now, int64_t expires_at) override;
  Status RememberProject(const Project& project) override;
  Result<std::vector<Project>> ListProjects(std::string_view account_id) override;
  Status DeleteUser(std::string_view user_id) override;
  Status Ping() override;

  // Operations in label order; kCount last.
  enum class Op {
    kGetMeta, kPutMeta, kBootstrapIfEmpty, kCreateAccount, kGetAccountById, kGetAccountByName,
    kListAccounts, kCreateUser, kGetUserById, kGetUserByName, kListUsers, kSetUserRoles,
    kSetUserPassword, kSetUserEnabled, kInsertToken, kGetToken, kRevokeToken,
    kDeleteExpiredTokens, kGetThrottle, kRecordFailure, kClearThrottle, kInsertCsr, kGetCsr,
    kListCsrs, kRenameCsr, kDeleteCsr, kRecordKeyExport, kCountCsrs, kInsertAudit, kListAudit,
    kInsertCredential, kGetCredential, kListCredentials, kUpdateCredential, kDeleteCredential,
    kTouchCredential, kDeleteExpiredCredentials, kRememberOnce, kRememberProject, kListProjects,
    kDeleteUser, kPing, kGetAkSkContext, kGetTokenContext, kCount
  };
  static std::string_view OpName(Op op);

 private:
  template <typename F>
  auto Timed(Op op, F&& call) {
    const auto start = std::chrono::steady_clock::now();
    auto result = call();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    Latency(op)->Observe(took.count());
    return result;
  }
  metrics::Histogram* Latency(Op op);

  std::unique_ptr<Store> inner_;
  metrics::Family<metrics::Histogram>* family_;
  std::array<std::atomic<metrics::Histogram*>, static_cast<size_t>(Op::kCount)> latency_{};
};

}  // namespace csrd::store
