// Project ids (contract §2.5): csrd keeps no project table; a project is a
// name within an account, and its id is derived from (account, name) so that
// every replica and every restart gives the same id.
#pragma once

#include <string>
#include <string_view>

namespace csrd::identity {

// The first 32 hex characters of SHA-256(account_id + "/" + project_name).
std::string ProjectIdFor(std::string_view account_id, std::string_view project_name);

// True for 32 lower-case hex characters, the only project id form csrd issues
// or accepts.
bool IsProjectId(std::string_view id);

}  // namespace csrd::identity
