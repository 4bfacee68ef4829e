# Run by `cmake --install` (install(SCRIPT) in CMakeLists.txt), so that the
# paths follow the prefix given at install time (--prefix): the systemd unit
# goes to <prefix>/lib/systemd/system with ExecStart=<prefix>/bin/csrd, and the
# example configuration to /etc/csrd (prefix /usr) or <prefix>/etc/csrd, never
# over an existing one. DESTDIR is honoured by file(INSTALL).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(_csrd_etc "/etc")
else()
  set(_csrd_etc "${CMAKE_INSTALL_PREFIX}/etc")
endif()

file(READ "${CSRD_PACKAGING_DIR}/csrd.service" _csrd_unit)
string(REPLACE "/usr/bin/csrd" "${CMAKE_INSTALL_PREFIX}/bin/csrd" _csrd_unit "${_csrd_unit}")
string(REPLACE "/etc/csrd" "${_csrd_etc}/csrd" _csrd_unit "${_csrd_unit}")
string(REPLACE "/usr/share/doc/csrd" "${CMAKE_INSTALL_PREFIX}/share/doc/csrd" _csrd_unit
       "${_csrd_unit}")
set(_csrd_tmp "${CSRD_BUILD_DIR}/packaging")
file(MAKE_DIRECTORY "${_csrd_tmp}")
file(WRITE "${_csrd_tmp}/csrd.service" "${_csrd_unit}")
file(INSTALL "${_csrd_tmp}/csrd.service"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

if(EXISTS "$ENV{DESTDIR}${_csrd_etc}/csrd/csrd.toml")
  message(STATUS "Keeping existing: $ENV{DESTDIR}${_csrd_etc}/csrd/csrd.toml")
else()
  file(INSTALL "${CSRD_PACKAGING_DIR}/csrd.toml" DESTINATION "${_csrd_etc}/csrd"
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()

file(INSTALL "${CSRD_PACKAGING_DIR}/csrd.sysusers"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d"
     RENAME csrd.conf
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
