# Installation and package export. After `cmake --install build --prefix P`, a project
# configured with -DCMAKE_PREFIX_PATH=P can do
#   find_package(nabla CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE nabla::nabla)
# and `#include <nabla.h>` (or "core/tensor.h" and friends).
include(CMakePackageConfigHelpers)

set(NABLA_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/nabla")
set(NABLA_LIBRARY_FOLDERS core autograd layers optim data dist onnx)
set(NABLA_LIBRARY_TARGETS nabla_core nabla_autograd nabla_layers nabla_optim nabla_data nabla_dist nabla_onnx)

# Installed headers keep their folder under include/nabla/, so the sources' own
# "core/tensor.h" spelling works for users too. Headers use C++20, so users need it.
foreach(target IN LISTS NABLA_LIBRARY_TARGETS)
  target_include_directories(${target} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/nabla>)
  target_compile_features(${target} INTERFACE cxx_std_20)
endforeach()
target_compile_features(nabla INTERFACE cxx_std_20)

# nabla_options installs itself (cmake/NablaWarnings.cmake).
install(TARGETS nabla_openblas ${NABLA_LIBRARY_TARGETS} nabla
  EXPORT nablaTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Headers one by one rather than install(DIRECTORY): data/ also holds downloaded
# datasets, and install(DIRECTORY) would recreate their (empty) folders.
foreach(folder IN LISTS NABLA_LIBRARY_FOLDERS)
  file(GLOB_RECURSE headers RELATIVE "${PROJECT_SOURCE_DIR}" CONFIGURE_DEPENDS
    "${PROJECT_SOURCE_DIR}/${folder}/*.h")
  foreach(header IN LISTS headers)
    get_filename_component(header_dir "${header}" DIRECTORY)
    install(FILES "${PROJECT_SOURCE_DIR}/${header}"
      DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/nabla/${header_dir}")
  endforeach()
endforeach()
install(FILES "${PROJECT_SOURCE_DIR}/include/nabla.h" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(EXPORT nablaTargets
  NAMESPACE nabla::
  FILE nablaTargets.cmake
  DESTINATION "${NABLA_CMAKE_INSTALL_DIR}")

# The config looks for ZLIB only when a library links it.
set(NABLA_NEEDS_ZLIB OFF)
foreach(target IN LISTS NABLA_LIBRARY_TARGETS)
  get_target_property(link_libraries ${target} LINK_LIBRARIES)
  get_target_property(interface_link_libraries ${target} INTERFACE_LINK_LIBRARIES)
  if("${link_libraries};${interface_link_libraries}" MATCHES "ZLIB::ZLIB")
    set(NABLA_NEEDS_ZLIB ON)
  endif()
endforeach()

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/nablaConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/nablaConfig.cmake"
  INSTALL_DESTINATION "${NABLA_CMAKE_INSTALL_DIR}")
# 0.x: a minor version may break the API, so only the same minor version matches.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/nablaConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/nablaConfig.cmake"
  "${PROJECT_BINARY_DIR}/nablaConfigVersion.cmake"
  DESTINATION "${NABLA_CMAKE_INSTALL_DIR}")
