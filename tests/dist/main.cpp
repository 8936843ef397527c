// The dist tests: one Catch2 program that ctest starts under `mpirun -np 2`, every rank
// running the same cases in the same order (each case's collectives must match across
// ranks). Started without mpirun it is a world of one, and the cases check that too.
#include "support/catch_session.h"

#include <nabla.h>

#include <cstdio>

int main(int argc, char** argv) {
    nabla::dist::World world(argc, argv);
    const int failed = nabla::test::run_catch_session(argc, argv);
    // A rank whose case failed may have left the other waiting in a collective: end them all.
    if (failed != 0 && nabla::dist::world_size() > 1) {
        std::fprintf(stderr, "rank %d: %d failed assertion(s); aborting the job\n", nabla::dist::rank(),
                     failed);
        nabla::dist::abort_job(1);
    }
    return failed;
}
