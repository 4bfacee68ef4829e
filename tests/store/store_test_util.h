// Shared helpers for the store tests: a temp directory and record builders.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "core/encoding.h"
#include "store/records.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace csrd::store::testing {

// A fresh directory under the system temp dir, removed with its content.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "csrd-store-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline Account MakeAccount(const std::string& name, int64_t t = 1000) {
  return Account{NewId(), name, t};
}

inline User MakeUser(const std::string& account_id, const std::string& name, int64_t t = 1000) {
  User u;
  u.id = NewId();
  u.account_id = account_id;
  u.name = name;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA";
  u.roles = kRoleScmFullAccess | kRoleSecurityAdmin;
  u.enabled = true;
  u.create_time = t;
  u.password_changed_time = t;
  return u;
}

inline Token MakeToken(const User& u, int64_t issued, int64_t expires) {
  Token t;
  t.token_hash = Sha256Hex(NewId());
  t.user_id = u.id;
  t.account_id = u.account_id;
  t.issued_at = issued;
  t.expires_at = expires;
  return t;
}

inline Csr MakeCsr(const std::string& account_id, const std::string& name, int64_t create_time,
                   const std::string& algo = "EC_P256") {
  Csr c;
  c.id = NewId();
  c.account_id = account_id;
  c.name = name;
  c.csr_pem = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
  c.domain_name = "www.example.com";
  c.sans = "a.example.com,b.example.com";
  c.private_key_algo = algo;
  c.usage = "ENTERPRISE";
  c.company_country = "CN";
  c.company_province = "Guangdong";
  c.company_city = "Shenzhen";
  c.company_name = "Example Ltd";
  c.create_time = create_time;
  c.update_time = create_time;
  c.sealed_key = std::string("\x00\x01sealed\xff", 9);
  return c;
}

inline AuditEvent MakeAudit(const std::string& account_id, const std::string& resource_id,
                            int64_t t) {
  AuditEvent e;
  e.time = t;
  e.account_id = account_id;
  e.user_id = "u1";
  e.user_name = "admin";
  e.action = "scm::getCsrPrivateKey";
  e.resource_id = resource_id;
  e.remote_addr = "127.0.0.1";
  e.request_id = "req-1";
  e.outcome = "success";
  e.detail = "";
  return e;
}

// The items of an unfiltered audit page (the tests' short form of ListAudit).
inline Result<std::vector<AuditEvent>> AuditItems(Store& s, std::string_view account_id,
                                                  int limit, int64_t offset) {
  AuditQuery q;
  q.limit = limit;
  q.offset = offset;
  CSRD_ASSIGN_OR_RETURN(AuditPage page, s.ListAudit(account_id, q));
  return std::move(page.items);
}

// A permanent access key of u.
inline Credential MakeKey(const User& u, const std::string& access, int64_t create_time,
                          const std::string& status = "active") {
  Credential k;
  k.access = access;
  k.user_id = u.id;
  k.account_id = u.account_id;
  k.sealed_secret = std::string("\x00\x01sk\xff", 5);
  k.status = status;
  k.description = "key " + access;
  k.create_time = create_time;
  return k;
}

// A temporary key derived from parent_access (a permanent AK) or, if that is
// empty, from the token whose hash is parent_token_hash.
inline Credential MakeTemp(const User& u, const std::string& access, int64_t expires_at,
                           const std::string& parent_access,
                           const std::string& parent_token_hash = "") {
  Credential k = MakeKey(u, access, 1);
  k.temporary = true;
  k.security_token_hash = Sha256Hex(access);
  k.expires_at = expires_at;
  k.parent_access = parent_access;
  k.parent_token_hash = parent_token_hash;
  k.policy = "Allow scm::get*\nDeny scm::getCsrPrivateKey";
  return k;
}

// Inserts k under a per-user cap of `cap` permanent keys, failing the test on error.
inline void PutKey(Store& s, const Credential& k, int cap) {
  Status st = s.InsertCredential(k, cap);
  ASSERT_TRUE(st.ok()) << k.access << ": " << st.ToString();
}

// A live token of u (issued at 1, expiring at 1,000,000), stored.
inline Token PutToken(Store& s, const User& u) {
  Token t = MakeToken(u, 1, 1'000'000);
  EXPECT_TRUE(s.InsertToken(t).ok());
  return t;
}

inline bool KeyExists(Store& s, const std::string& access) {
  return s.GetCredential(access).ok();
}

// A list query (designated initializers trip -Wmissing-field-initializers).
inline CsrQuery Q(std::string name, std::string algo, int limit, int64_t offset = 0) {
  CsrQuery q;
  q.name_contains = std::move(name);
  q.private_key_algo = std::move(algo);
  q.limit = limit;
  q.offset = offset;
  return q;
}

inline std::unique_ptr<Store> MustOpen(const std::string& path, const SqliteOptions& o = {}) {
  auto r = OpenSqliteStore(path, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return nullptr;
  return std::move(r).value();
}

}  // namespace csrd::store::testing
