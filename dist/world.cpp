#include "dist/world.h"

#include "core/error.h"

#include <mpi.h>

#include <cstdlib>

namespace nabla::dist {

namespace {
bool g_world = false;  // a World made MPI_Init_thread succeed and has not finalised
int g_rank = 0, g_size = 1, g_local_size = 1;
}  // namespace

bool launched_by_mpi() {
    // OpenMPI's mpirun sets the first; PMI/PMIx launchers (srun, MPICH's hydra) the others.
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
        if (std::getenv(v) != nullptr) return true;
    return false;
}

World::World(int& argc, char**& argv) {
    NABLA_CHECK(!g_world, "dist::World", "a World already exists; make one, in main()");
    if (!launched_by_mpi()) return;  // a world of one: MPI stays untouched
    int finalized = 0;
    MPI_Finalized(&finalized);
    NABLA_CHECK(!finalized, "dist::World",
                "MPI was already finalised; MPI can be initialised once per process");
    int provided = 0;
    NABLA_CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS, "dist::World",
                "MPI_Init_thread failed");
    // Errors come back as codes, turned into nabla::Error by the collectives, instead of
    // MPI's default of aborting the job with MPI's own message.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    MPI_Comm local = MPI_COMM_NULL;  // the ranks that share memory with this one: one machine
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) == MPI_SUCCESS) {
        MPI_Comm_size(local, &g_local_size);
        MPI_Comm_free(&local);
    }
    g_world = true;
}

World::~World() {
    if (!g_world) return;
    g_world = false;
    MPI_Finalize();
    g_rank = 0;
    g_size = 1;
    g_local_size = 1;
}

bool initialized() { return g_world; }
int rank() { return g_rank; }
int world_size() { return g_size; }
int local_size() { return g_local_size; }

void abort_job(int code) {
    if (g_world) MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
}

}  // namespace nabla::dist
