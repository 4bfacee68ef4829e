// The web console's files (console/ in the repository), built into the binary: CMake turns every
// file of that folder into one table row at build time (cmake/embed_dir.cmake), so editing a file
// rebuilds and nothing is read from the file system at run time.
#pragma once

#include <span>
#include <string_view>

namespace csrd::api {

struct ConsoleAsset {
  std::string_view name;          // file name, e.g. "app.js" (no folder; [A-Za-z0-9._-])
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view etag;          // strong ETag with its quotes, changes with the bytes
  std::string_view bytes;         // exactly the repository file
};

// Every file, sorted by name. Static storage: valid for the whole program, thread-safe.
std::span<const ConsoleAsset> ConsoleAssets();

}  // namespace csrd::api
