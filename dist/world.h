#pragma once
// The process group of a data-parallel job, on MPI (OpenMPI's mpirun starts the processes).
//
//   int main(int argc, char** argv) {
//       nabla::dist::World world(argc, argv);  // MPI_Init_thread ... MPI_Finalize
//       if (nabla::dist::rank() == 0) ...
//   }
//
// A process that mpirun did not start is a world of one and never touches MPI: rank() is 0,
// world_size() is 1, every collective returns its input, and every program computes
// exactly what it computes without dist/, bit for bit. Only one World may exist, and MPI can
// be initialised only once per process (an MPI rule), so a program makes it in main().
// Collectives run on the thread that made the World (MPI_THREAD_FUNNELED; OpenMP workers
// inside kernels never call MPI).
#include "core/error.h"

namespace nabla::dist {

class World {
public:
    World(int& argc, char**& argv);
    ~World();  // MPI_Finalize: every rank must reach it; a failing rank calls abort_job instead
    World(const World&) = delete;
    World& operator=(const World&) = delete;
};

// True when this process was started by mpirun (or another MPI launcher) as part of a job.
bool launched_by_mpi();
bool initialized();  // a World exists and MPI is running
int rank();          // 0 in a world of one
int world_size();    // 1 in a world of one
// The ranks of the job on this machine, this one included (1 in a world of one): the
// machine's cores are theirs to share.
int local_size();

// Ends every process of the job with `code` (MPI_Abort), or this one (std::exit) in a world
// of one. For a rank that failed: the others may be waiting in a collective for it, and
// would never return; mpirun then exits non-zero within seconds.
[[noreturn]] void abort_job(int code);

// An error that every rank raises at the same point from the same gathered facts (flags
// that differ between ranks, say). Each rank may then end normally, and rank 0's report is
// enough; any other error is one rank's alone and ends the job with abort_job.
class EveryRankError : public Error {
public:
    using Error::Error;
};

}  // namespace nabla::dist
