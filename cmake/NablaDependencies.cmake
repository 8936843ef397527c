# Every dependency is a Debian package (scripts/install-deps installs them).
find_package(fmt REQUIRED)
find_package(OpenBLAS CONFIG REQUIRED)
find_package(Threads REQUIRED)
# Kernels split batch and channel loops over threads (GCC: libgomp).
find_package(OpenMP REQUIRED COMPONENTS CXX)
# Header-only; layers/safetensors.cpp parses headers with it.
find_package(nlohmann_json REQUIRED)
# OpenMPI (Debian's openmpi-bin, libopenmpi-dev): dist/'s collectives and DataParallel.
find_package(MPI REQUIRED COMPONENTS CXX)
# zlib reads gzip-compressed IDX files.
find_package(ZLIB REQUIRED)
# ONNX export (onnx/): the ONNX message classes and checker, on protobuf. ONNX's config
# links protobuf::libprotobuf without looking for it, so protobuf comes first.
find_package(Protobuf REQUIRED)
find_package(ONNX CONFIG REQUIRED)

if(NOT TARGET nabla_openblas)
  add_library(nabla_openblas INTERFACE)
  target_include_directories(nabla_openblas SYSTEM INTERFACE ${OpenBLAS_INCLUDE_DIRS})
  target_link_libraries(nabla_openblas INTERFACE ${OpenBLAS_LIBRARIES})
endif()
