// What SDKs and the Terraform provider call before their first SCM request
// (contract §2.5, iam-subset.md §8): the caller's account as a Keystone
// domain, projects by name, and an empty service catalog.
#pragma once

#include "api/call.h"
#include "api/deps.h"

namespace csrd::api {

class DiscoveryHandlers {
 public:
  explicit DiscoveryHandlers(const AppDeps& deps) : deps_(deps) {}

  // Always exactly one domain, the caller's: the Go SDK dereferences
  // "domains" without a check and Node fails on an empty list.
  http::Response ListAuthDomains(Call& call);
  // ?name=N: exactly one project N with a stable id derived from
  // (account, N), remembered; without name: the projects seen so far.
  http::Response ListProjects(Call& call);
  http::Response Catalog(Call& call);

 private:
  AppDeps deps_;
};

}  // namespace csrd::api
