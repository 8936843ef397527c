// The test binary runs under the BLAS kernels the apps use (see core/blas_select.h), so
// the sgemm-vs-reference tests check the kernel users actually get.
#include "core/blas_select.h"
#include "support/catch_session.h"
#include "support/fresh_state.h"

#include <cstdio>

int main(int argc, char** argv) {
    nabla::use_fast_blas_kernels(argc, argv);
    const int failed = nabla::test::run_catch_session(argc, argv);
    if (failed != 0) return failed;
    if (nabla::test::a_case_leaked_global_state()) {
        std::fputs("error: a test case left global state changed (named above), so the run fails\n", stderr);
        return 1;
    }
    return 0;
}
