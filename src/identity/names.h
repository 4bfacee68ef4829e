// Format rules for names and passwords that csrd creates (account_admin) —
// decided here because Huawei documents only the user-name rule.
//
// Messages never echo the rejected value (it may be a password typed into the
// wrong field).
#pragma once

#include <string_view>

#include "core/status.h"

namespace csrd::identity {

// iam-subset §2.5: 1..64 characters of ASCII letters, digits, '_', '-', '.'
// and space; must not start with a digit. Else InvalidArgument.
Status ValidateUserName(std::string_view name);

// No Huawei rule exists; csrd's: 1..64 characters of ASCII letters, digits,
// '_', '-', '.'; the first must be a letter or '_' (not a digit, '.' or '-',
// so a name never looks like a number, a path or a command-line option).
// Else InvalidArgument.
Status ValidateAccountName(std::string_view name);

// A project name in a token scope (Huawei uses region ids such as
// "cn-north-4" or "cn-north-4_sub"): 1..64 characters of ASCII letters,
// digits, '_', '-', '.'. Else InvalidArgument.
Status ValidateProjectName(std::string_view name);

// 8..128 bytes, any content. Else InvalidArgument.
Status ValidatePassword(std::string_view password);

}  // namespace csrd::identity
