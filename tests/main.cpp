// The test binary runs under the BLAS kernels the apps use (see core/blas_select.h), so
// the sgemm-vs-reference tests check the kernel users actually get.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "core/blas_select.h"

int main(int argc, char** argv) {
    nabla::use_fast_blas_kernels(argc, argv);
    return Catch::Session().run(argc, argv);
}
