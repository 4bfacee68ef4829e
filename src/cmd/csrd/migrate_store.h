// `csrd admin migrate-store`: copies everything a SQLite data dir holds into
// an empty store (PostgreSQL, for users moving up to replicas) through the
// Store interface, then verifies the counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cmd/csrd/sqlite_catalog.h"
#include "core/result.h"
#include "store/store.h"

namespace csrd::cmd {

struct TableCount {
  std::string table;
  int64_t source = 0;   // rows in the source
  int64_t skipped = 0;  // dead rows left behind (expired or orphaned temporary keys)
  int64_t target = 0;   // rows found in the target afterwards
  bool ok() const { return target == source - skipped; }
};

// Copies src into dst: meta (master key id and check value included),
// accounts, users, projects, tokens, access keys (permanent, then live
// temporary ones), CSRs with their sealed keys, audit events (oldest first,
// ids renumbered by dst) and unexpired one-time signatures. Lockout counters
// are not copied: they restart. Sealed data is copied byte for byte, so dst
// needs the same master key. catalog lists the rows src cannot enumerate.
//
// FailedPrecondition, before anything is written, unless dst is empty (no
// account, no master key id). A failure part-way leaves dst partly written:
// drop and recreate it before trying again. The source must not change
// meanwhile (stop csrd on it); a change shows up as a count mismatch.
// Returns one count per table; the caller checks ok() on each.
Result<std::vector<TableCount>> MigrateStore(store::Store& src, SqliteCatalog& catalog,
                                             store::Store& dst, int64_t now);

// OK if dst holds no account and no master key id; else FailedPrecondition.
Status CheckTargetEmpty(store::Store& dst);

// The command: from_data_dir/csrd.db into `to` (--database syntax; PostgreSQL,
// or sqlite:PATH). Prints the counts; returns the process exit code.
int RunMigrateStore(const std::string& from_data_dir, const std::string& to, int pool_size);

}  // namespace csrd::cmd
