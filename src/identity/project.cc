#include "identity/project.h"

#include "core/encoding.h"

namespace csrd::identity {

std::string ProjectIdFor(std::string_view account_id, std::string_view project_name) {
  std::string input;
  input.reserve(account_id.size() + 1 + project_name.size());
  input.append(account_id).append("/").append(project_name);
  return Sha256Hex(input).substr(0, 32);
}

bool IsProjectId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace csrd::identity
