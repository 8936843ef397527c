# Sanitizer and fuzzing builds (scripts/build Asan, scripts/build Fuzz).
#   -DNABLA_SANITIZE=address,undefined   instruments every target, tests included; any
#                                        report aborts the program (no recovery), so a
#                                        test that triggers one fails.
#   -DNABLA_BUILD_FUZZERS=ON             builds the libFuzzer targets of tests/fuzz; needs clang.
# Such a tree is for checking nabla only: its installed libraries carry the instrumentation.
set(NABLA_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined (empty: none)")
option(NABLA_BUILD_FUZZERS "Build the libFuzzer targets (clang only)" OFF)

if(NABLA_SANITIZE)
  add_compile_options(-fsanitize=${NABLA_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${NABLA_SANITIZE})
  # GCC's flow analysis under instrumentation flags libstdc++'s own <regex> internals
  # (a known false positive); the Release build keeps the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()

if(NABLA_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NABLA_BUILD_FUZZERS needs clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage feedback from the library code too, not only from the fuzz target itself.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
