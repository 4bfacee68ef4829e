#include "cmd/csrd/migrate_store.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/clock.h"
#include "store/open_store.h"

namespace csrd::cmd {
namespace {

using store::Store;

// Rows per page when listing CSRs and audit events.
constexpr int kPage = 1000;

bool IsFailedPrecondition(const Status& st) {
  return st.code() == Status::Code::kFailedPrecondition;
}

Status With(const Status& st, const std::string& what) {
  return Status(st.code(), what + ": " + st.message());
}

// Every audit event of an account.
Result<int64_t> CountAudit(Store& s, const std::string& account_id) {
  store::AuditQuery q;
  q.limit = 0;
  CSRD_ASSIGN_OR_RETURN(auto page, s.ListAudit(account_id, q));
  return page.total;
}

class Migration {
 public:
  Migration(Store& src, SqliteCatalog& catalog, Store& dst, int64_t now)
      : src_(src), cat_(catalog), dst_(dst), now_(now) {}

  Result<std::vector<TableCount>> Run() {
    CSRD_RETURN_IF_ERROR(CheckTargetEmpty(dst_));
    CSRD_RETURN_IF_ERROR(CopyAccounts());
    CSRD_RETURN_IF_ERROR(CopyTokens());
    CSRD_RETURN_IF_ERROR(CopyCredentials());
    CSRD_RETURN_IF_ERROR(CopyCsrs());
    CSRD_RETURN_IF_ERROR(CopyAudit());
    CSRD_RETURN_IF_ERROR(CopyOneTimeKeys());
    // Last: a target that holds the master key id is complete or refused.
    CSRD_RETURN_IF_ERROR(CopyMeta());
    return counts_;
  }

 private:
  Status CopyAccounts() {
    auto accounts = src_.ListAccounts();
    if (!accounts.ok()) return With(accounts.status(), "source accounts");
    TableCount acc{"accounts"}, users{"users"}, projects{"projects"};
    for (const auto& a : *accounts) {
      CSRD_RETURN_IF_ERROR(With(dst_.CreateAccount(a), "copy account " + a.id));
      account_ids_.push_back(a.id);
      auto us = src_.ListUsers(a.id);
      if (!us.ok()) return With(us.status(), "source users");
      for (const auto& u : *us) {
        CSRD_RETURN_IF_ERROR(With(dst_.CreateUser(u), "copy user " + u.id));
      }
      users.source += static_cast<int64_t>(us->size());
      auto ps = src_.ListProjects(a.id);
      if (!ps.ok()) return With(ps.status(), "source projects");
      for (const auto& p : *ps) {
        CSRD_RETURN_IF_ERROR(With(dst_.RememberProject(p), "copy project " + p.id));
      }
      projects.source += static_cast<int64_t>(ps->size());
    }
    acc.source = static_cast<int64_t>(accounts->size());
    auto got = dst_.ListAccounts();
    if (!got.ok()) return With(got.status(), "target accounts");
    acc.target = static_cast<int64_t>(got->size());
    for (const auto& a : *got) {
      auto us = dst_.ListUsers(a.id);
      if (!us.ok()) return With(us.status(), "target users");
      users.target += static_cast<int64_t>(us->size());
      auto ps = dst_.ListProjects(a.id);
      if (!ps.ok()) return With(ps.status(), "target projects");
      projects.target += static_cast<int64_t>(ps->size());
    }
    counts_.insert(counts_.end(), {acc, users, projects});
    return Status::Ok();
  }

  Status CopyTokens() {
    auto hashes = cat_.TokenHashes();
    if (!hashes.ok()) return hashes.status();
    TableCount c{"tokens"};
    c.source = static_cast<int64_t>(hashes->size());
    for (const auto& h : *hashes) {
      auto t = src_.GetToken(h);
      if (!t.ok()) return With(t.status(), "source token");
      // The hash is no secret (the token is never stored), but keep it out of messages anyway.
      CSRD_RETURN_IF_ERROR(With(dst_.InsertToken(*t), "copy a token of user " + t->user_id));
    }
    for (const auto& h : *hashes) {
      auto t = dst_.GetToken(h);
      if (t.ok()) {
        ++c.target;
      } else if (!t.status().IsNotFound()) {
        return With(t.status(), "target token");
      }
    }
    counts_.push_back(c);
    return Status::Ok();
  }

  Status CopyCredentials() {
    auto accesses = cat_.CredentialAccesses();
    if (!accesses.ok()) return accesses.status();
    TableCount c{"credentials"};
    c.source = static_cast<int64_t>(accesses->size());
    std::vector<std::string> copied;
    for (const auto& ak : *accesses) {
      auto k = src_.GetCredential(ak);
      if (!k.ok()) return With(k.status(), "source access key " + ak);
      if (k->temporary && k->expires_at <= now_) {
        ++c.skipped;
        continue;
      }
      Status st = dst_.InsertCredential(*k, /*max_permanent_per_user=*/0);
      // A temporary key whose parent token was revoked or whose user is
      // disabled is dead already; the target store rightly refuses it.
      if (k->temporary && (IsFailedPrecondition(st) || st.IsNotFound())) {
        ++c.skipped;
        continue;
      }
      CSRD_RETURN_IF_ERROR(With(st, "copy access key " + ak));
      copied.push_back(ak);
    }
    for (const auto& ak : copied) {
      auto k = dst_.GetCredential(ak);
      if (k.ok()) {
        ++c.target;
      } else if (!k.status().IsNotFound()) {
        return With(k.status(), "target access key");
      }
    }
    counts_.push_back(c);
    return Status::Ok();
  }

  Status CopyCsrs() {
    TableCount c{"csrs"};
    for (const auto& acct : account_ids_) {
      auto n = src_.CountCsrs(acct);
      if (!n.ok()) return With(n.status(), "source CSR count");
      c.source += *n;
      store::CsrQuery q;
      q.limit = kPage;
      for (q.offset = 0;; q.offset += kPage) {
        auto page = src_.ListCsrs(acct, q);
        if (!page.ok()) return With(page.status(), "source CSRs");
        for (const auto& item : page->items) {
          // Pages leave sealed_key out; the row itself carries it.
          auto csr = src_.GetCsr(acct, item.id);
          if (!csr.ok()) return With(csr.status(), "source CSR " + item.id);
          CSRD_RETURN_IF_ERROR(With(dst_.InsertCsr(*csr, /*max_per_account=*/0),
                                    "copy CSR " + item.id));
        }
        if (page->items.size() < static_cast<size_t>(kPage)) break;
      }
      auto m = dst_.CountCsrs(acct);
      if (!m.ok()) return With(m.status(), "target CSR count");
      c.target += *m;
    }
    counts_.push_back(c);
    return Status::Ok();
  }

  // Oldest first, so the target's fresh ids keep each trail's order (ties in
  // time are listed by id).
  Status CopyAudit() {
    auto ids = cat_.AuditAccountIds();
    if (!ids.ok()) return ids.status();
    TableCount c{"audit_events"};
    for (const auto& acct : *ids) {
      auto total = CountAudit(src_, acct);
      if (!total.ok()) return With(total.status(), "source audit");
      c.source += *total;
      for (int64_t end = *total; end > 0;) {
        int64_t begin = std::max<int64_t>(0, end - kPage);
        store::AuditQuery q;
        q.limit = static_cast<int>(end - begin);
        q.offset = begin;
        auto page = src_.ListAudit(acct, q);
        if (!page.ok()) return With(page.status(), "source audit");
        for (auto it = page->items.rbegin(); it != page->items.rend(); ++it) {
          CSRD_RETURN_IF_ERROR(With(dst_.InsertAudit(*it), "copy audit event"));
        }
        end = begin;
      }
      auto got = CountAudit(dst_, acct);
      if (!got.ok()) return With(got.status(), "target audit");
      c.target += *got;
    }
    counts_.push_back(c);
    return Status::Ok();
  }

  Status CopyOneTimeKeys() {
    auto keys = cat_.OneTimeKeys(now_);
    if (!keys.ok()) return keys.status();
    TableCount c{"one_time_keys"};
    c.source = static_cast<int64_t>(keys->size());
    for (const auto& [key, expires_at] : *keys) {
      auto fresh = dst_.RememberOnce(key, now_, expires_at);
      if (!fresh.ok()) return With(fresh.status(), "copy one-time signature");
    }
    // Asking again records nothing: "already recorded" proves the copy.
    for (const auto& [key, expires_at] : *keys) {
      auto fresh = dst_.RememberOnce(key, now_, expires_at);
      if (!fresh.ok()) return With(fresh.status(), "target one-time signature");
      if (!*fresh) ++c.target;
    }
    counts_.push_back(c);
    return Status::Ok();
  }

  Status CopyMeta() {
    auto keys = cat_.MetaKeys();
    if (!keys.ok()) return keys.status();
    TableCount c{"meta"};
    c.source = static_cast<int64_t>(keys->size());
    for (const auto& k : *keys) {
      auto v = src_.GetMeta(k);
      if (!v.ok()) return With(v.status(), "source meta " + k);
      if (!v->has_value()) return Status::Internal("source meta " + k + " vanished");
      CSRD_RETURN_IF_ERROR(With(dst_.PutMeta(k, **v), "copy meta " + k));
      auto back = dst_.GetMeta(k);
      if (!back.ok()) return With(back.status(), "target meta " + k);
      if (*back == *v) ++c.target;
    }
    counts_.push_back(c);
    return Status::Ok();
  }

  Store& src_;
  SqliteCatalog& cat_;
  Store& dst_;
  int64_t now_;
  std::vector<std::string> account_ids_;
  std::vector<TableCount> counts_;
};

int Fail(const std::string& what, const Status& st) {
  std::cerr << "csrd admin migrate-store: " << what << ": " << st.ToString() << "\n";
  return st.IsInvalidArgument() || IsFailedPrecondition(st) ? 2 : 1;
}

}  // namespace

Status CheckTargetEmpty(Store& dst) {
  auto accounts = dst.ListAccounts();
  if (!accounts.ok()) return With(accounts.status(), "target");
  auto key_id = dst.GetMeta("master_key");
  if (!key_id.ok()) return With(key_id.status(), "target");
  if (!accounts->empty() || key_id->has_value()) {
    return Status::FailedPrecondition(
        "the target is not empty (it holds accounts or a master key id): migrate-store only "
        "copies into a new, empty database");
  }
  return Status::Ok();
}

Result<std::vector<TableCount>> MigrateStore(Store& src, SqliteCatalog& catalog, Store& dst,
                                             int64_t now) {
  return Migration(src, catalog, dst, now).Run();
}

int RunMigrateStore(const std::string& from_data_dir, const std::string& to, int pool_size) {
  auto from = store::ParseDatabaseFlag("", from_data_dir);
  if (!from.ok()) return Fail("--from-data-dir", from.status());
  if (!std::filesystem::exists(from->sqlite_path)) {
    std::cerr << "csrd admin migrate-store: no database at " << from->sqlite_path << "\n";
    return 1;
  }
  auto target = store::ParseDatabaseFlag(to, from_data_dir);
  if (!target.ok()) return Fail("--to", target.status());
  if (target->kind == store::StoreKind::kSqlite) {
    std::error_code ec;
    if (std::filesystem::equivalent(from->sqlite_path, target->sqlite_path, ec)) {
      std::cerr << "csrd admin migrate-store: --to names the source database itself\n";
      return 2;
    }
  }

  auto src = store::OpenStore(*from);
  if (!src.ok()) return Fail("cannot open " + from->redacted, src.status());
  auto catalog = SqliteCatalog::Open(from->sqlite_path);
  if (!catalog.ok()) return Fail("cannot open " + from->redacted, catalog.status());
  store::OpenOptions oopt;
  oopt.postgres_pool_size = pool_size;
  auto dst = store::OpenStore(*target, oopt);
  if (!dst.ok()) return Fail("cannot open " + target->redacted, dst.status());

  if (Status st = CheckTargetEmpty(**dst); !st.ok()) return Fail("refused", st);
  std::cout << "migrate-store: " << from->redacted << " -> " << target->redacted << "\n"
            << std::flush;
  SystemClock clock;
  auto counts = MigrateStore(**src, **catalog, **dst, clock.NowMillis());
  if (!counts.ok()) {
    return Fail("stopped (drop and recreate the target before trying again)", counts.status());
  }
  bool all_ok = true;
  std::printf("%-14s %10s %10s %10s  %s\n", "TABLE", "SOURCE", "SKIPPED", "TARGET", "CHECK");
  for (const auto& c : *counts) {
    all_ok = all_ok && c.ok();
    std::printf("%-14s %10lld %10lld %10lld  %s\n", c.table.c_str(),
                static_cast<long long>(c.source), static_cast<long long>(c.skipped),
                static_cast<long long>(c.target), c.ok() ? "ok" : "MISMATCH");
  }
  std::printf("%-14s %10s %10s %10s  %s\n", "throttles", "-", "-", "-",
              "not copied (lockout counters restart)");
  std::fflush(stdout);
  if (!all_ok) {
    std::cerr << "csrd admin migrate-store: counts differ: was csrd still running on the source?\n";
    return 1;
  }
  std::cout << "migrate-store: done; start csrd with --database " << target->redacted
            << " and the same master key\n";
  return 0;
}

}  // namespace csrd::cmd
