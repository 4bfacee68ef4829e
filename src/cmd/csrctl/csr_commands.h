// The csr commands' options and runners (csr_cli.cc registers them).
#pragma once

#include <string>
#include <vector>

#include "cmd/csrctl/context.h"

namespace csrd::csrctl {

struct CsrOptions {
  // create
  std::string name, domain, sans, algo = "RSA_2048", usage = "PERSONAL";
  std::string country, province, city, company;
  std::string csr_out, key_out;
  bool force = false;
  // list
  int limit = 0, offset = -1;
  std::string filter_name, filter_algo;
  bool all = false;
  // show, rename, key: id; delete: ids
  std::string id;
  std::vector<std::string> ids;
  std::string new_name;
  bool pem = false;
  std::string out;
  bool to_stdout = false;
  // upload
  std::string csr_file, key_file;
};

int RunCreate(Context& ctx, const CsrOptions& o);
int RunList(Context& ctx, const CsrOptions& o);
int RunShow(Context& ctx, const CsrOptions& o);
int RunRename(Context& ctx, const CsrOptions& o);
int RunDelete(Context& ctx, const CsrOptions& o);
int RunKey(Context& ctx, const CsrOptions& o);
int RunUpload(Context& ctx, const CsrOptions& o);

}  // namespace csrd::csrctl
