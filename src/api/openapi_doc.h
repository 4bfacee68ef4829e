// The OpenAPI 3.0 document of csrd's HTTP surface (api/openapi.json in the repository), built into
// the binary: CMake turns the file into a byte array at build time (cmake/embed_file.cmake), so
// editing the JSON rebuilds it and GET /openapi.json serves it byte for byte.
#pragma once

#include <string_view>

namespace csrd::api {

// The document's bytes, exactly as in the repository file. Static storage: valid for the whole
// program, thread-safe.
std::string_view OpenApiDocument();

}  // namespace csrd::api
