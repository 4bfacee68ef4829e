// WipingJsonStorage: a Boost.JSON memory resource whose blocks are wiped
// (SecureWipe) when freed. Use it for any JSON tree that may hold a secret: a
// request body with a password or a private key, an answer with an SK.
//
// Header-only so that core itself does not link Boost.JSON: include it only
// from layers that do (api, client). Thread-safe: one shared, stateless
// resource; a tree built in it may outlive every caller (shared ownership).
#pragma once

#include <boost/json/memory_resource.hpp>
#include <boost/json/storage_ptr.hpp>
#include <cstddef>
#include <new>

#include "core/secret.h"

namespace csrd {

// Plain new/delete, like Boost.JSON's default resource: Boost.JSON 1.81 may
// free a block with another alignment than it asked for (a key allocated
// with 1, freed with 16; ASan's new-delete-type-mismatch), and it never
// needs more than the default new alignment.
class WipingJsonResource final : public boost::json::memory_resource {
 private:
  void* do_allocate(std::size_t n, std::size_t /*align*/) override { return ::operator new(n); }
  void do_deallocate(void* p, std::size_t n, std::size_t /*align*/) override {
    SecureWipe(p, n);
    ::operator delete(p);
  }
  bool do_is_equal(const boost::json::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

inline boost::json::storage_ptr WipingJsonStorage() {
  static const boost::json::storage_ptr sp =
      boost::json::make_shared_resource<WipingJsonResource>();
  return sp;
}

}  // namespace csrd
