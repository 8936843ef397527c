# OpenCV's DNN module, for the programs that run exported ONNX files (the ONNX tests and
# bench/onnx_mnist_opencv), never for the libraries. Debian's libopencv-dnn-dev ships
# neither a CMake config nor a pkg-config file, so headers and libraries are found by name.
if(NOT TARGET nabla_opencv_dnn)
  find_path(NABLA_OPENCV_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4 REQUIRED)
  find_library(NABLA_OPENCV_DNN_LIBRARY opencv_dnn REQUIRED)
  find_library(NABLA_OPENCV_CORE_LIBRARY opencv_core REQUIRED)
  add_library(nabla_opencv_dnn INTERFACE)
  target_include_directories(nabla_opencv_dnn SYSTEM INTERFACE ${NABLA_OPENCV_INCLUDE_DIR})
  target_link_libraries(nabla_opencv_dnn INTERFACE ${NABLA_OPENCV_DNN_LIBRARY} ${NABLA_OPENCV_CORE_LIBRARY})
endif()
