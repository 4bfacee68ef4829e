# Pieces shared by embed_file.cmake and embed_dir.cmake (included by them; -P script mode).

# Stops with an error naming script unless every variable given after it is set.
function(embed_require script)
  foreach(var IN LISTS ARGN)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "${script}: ${var} is not set")
    endif()
  endforeach()
endfunction()

# Sets out_var to the C++ definition `constexpr unsigned char <name>[] = {...};` of the bytes of
# path, 16 a line, followed by a NUL that is not part of them (so no array is ever empty).
function(embed_byte_array path name out_var)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  # 16 bytes a line (CMake regexes have no {n} and at most 9 groups).
  string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line_re)
  string(REGEX REPLACE "(${line_re})" "\\1\n" bytes "${bytes}")
  set(${out_var} "constexpr unsigned char ${name}[] = {
${bytes}
0x00};" PARENT_SCOPE)
endfunction()

# Writes content to output, leaving output untouched when nothing changed, so nothing recompiles
# needlessly.
function(embed_write_if_different output content)
  file(WRITE "${output}.tmp" "${content}")
  file(COPY_FILE "${output}.tmp" "${output}" ONLY_IF_DIFFERENT)
  file(REMOVE "${output}.tmp")
endfunction()
