# V8 from Node 18's embedding library (docs/design/js.md, dependencies.md "Installing V8").
#
# scripts/install-deps unpacks Debian's libnode108 + libnode-dev into .deps/libnode (they cannot be
# apt-get installed beside NodeSource's Node.js). This imports that libnode.so.108 as the shared
# target rookery::libnode with its headers. Only the unpacked folder is searched: the system may
# hold another Node's headers (NodeSource installs Node 20's, a different V8, in /usr/include/node)
# which must never be mixed with Node 18's library.
set(ROOKERY_LIBNODE_DIR "${PROJECT_SOURCE_DIR}/.deps/libnode"
    CACHE PATH "Root of the unpacked libnode108 + libnode-dev packages (scripts/install-deps)")

file(GLOB _rookery_libnode_so "${ROOKERY_LIBNODE_DIR}/usr/lib/*/libnode.so.108")
set(_rookery_libnode_include "${ROOKERY_LIBNODE_DIR}/usr/include/node")
if(NOT _rookery_libnode_so OR NOT EXISTS "${_rookery_libnode_include}/v8.h")
  message(FATAL_ERROR
    "V8 (libnode108 + libnode-dev) not found in ${ROOKERY_LIBNODE_DIR}: run scripts/install-deps "
    "(or `make deps`), or point -DROOKERY_LIBNODE_DIR at an unpacked copy")
endif()
list(GET _rookery_libnode_so 0 _rookery_libnode_so)

add_library(rookery::libnode SHARED IMPORTED GLOBAL)
set_target_properties(rookery::libnode PROPERTIES
  IMPORTED_LOCATION "${_rookery_libnode_so}"
  IMPORTED_SONAME "libnode.so.108"
  # Imported include directories are SYSTEM: V8's headers are not held to our warning flags.
  INTERFACE_INCLUDE_DIRECTORIES "${_rookery_libnode_include}")
# Binaries run from the build tree find the library through the build RPATH CMake adds for a
# library linked by full path; installed binaries (none yet) would need INSTALL_RPATH.
get_filename_component(ROOKERY_LIBNODE_LIBDIR "${_rookery_libnode_so}" DIRECTORY)
message(STATUS "V8: ${_rookery_libnode_so}")
