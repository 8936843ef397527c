# Warnings and optimisation flags shared by every nabla target.
add_library(nabla_options INTERFACE)
# -ffp-contract=off: a*b+c is never silently fused, so the AVX2 copies of the hot loops
# (core/simd.h) round exactly as the baseline ones do.
target_compile_options(nabla_options INTERFACE
  $<BUILD_INTERFACE:-Wall -Wextra -Wpedantic -ffp-contract=off>)
# Release: -O3 with x86-64-v2 (SSE4.2/POPCNT), which every x86-64 CPU of the last
# decade runs; the heavy lifting (sgemm) dispatches at run time inside OpenBLAS. Targets
# with the property NABLA_TEST_CODE (the test programs) choose their own level instead.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(NABLA_ARCH_FLAGS "-march=x86-64-v2" CACHE STRING "Architecture flags for Release builds")
else()
  set(NABLA_ARCH_FLAGS "" CACHE STRING "Architecture flags for Release builds")
endif()
target_compile_options(nabla_options INTERFACE
  $<BUILD_INTERFACE:$<$<CONFIG:Release>:${NABLA_ARCH_FLAGS}>>
  $<BUILD_INTERFACE:$<$<CONFIG:Release>:$<$<NOT:$<BOOL:$<TARGET_PROPERTY:NABLA_TEST_CODE>>>:-O3>>>)
install(TARGETS nabla_options EXPORT nablaTargets)
