#pragma once
// The trainer as one rank of a data-parallel job (mpirun; dist/): what differs from a lone
// process, which is a job of one rank and behaves as if dist/ did not exist.
//
// Every rank runs the same loop on its share of each batch (data::DataLoader's sharding),
// with DataParallel averaging the gradients. Rank 0 alone prints, writes metrics,
// checkpoints and the ONNX file; the others' standard output is dropped, their errors
// still reach standard error. An error on one rank ends the whole job (dist::abort_job),
// so no rank waits forever in a collective for one that has stopped.
#include "apps/shared/evaluate.h"

#include <nabla.h>

#include <string>

namespace nabla::apps {

struct Job {
    int rank = 0;
    int size = 1;
    bool leader() const { return rank == 0; }
};
Job current_job();

// Standard output of every rank but 0 goes to /dev/null: the ranks run the same code, and
// one copy of each line is what a reader wants.
void quiet_followers(const Job& job);

// Every rank must run the same command line; throws dist::EveryRankError on every rank,
// naming each rank whose flags differ from rank 0's and both command lines.
void check_same_flags(int argc, const char* const* argv);

// --threads 0 under mpirun: the machine's cores split between the ranks on it, so two
// ranks on two cores do not run four BLAS threads. 0 (the library's default) in a lone process.
int default_threads(const Job& job);

// Every rank's evaluation of its share of the test set, combined into the whole set's.
Evaluation combine_over_ranks(const Evaluation& mine);

// The per-step numbers of every rank, summed: the running means then cover the global
// batch, and every rank holds the same ones (and saves the same in a checkpoint).
struct StepSums {
    double loss_sum = 0.0;  // loss times images
    std::int64_t correct = 0, count = 0;
};
StepSums sum_over_ranks(StepSums mine);

// Rank 0's buffers (BatchNorm's running statistics) on every rank, so that every rank
// evaluates, and rank 0 saves, the same model. Without --sync-bn each rank's running
// statistics follow its own batches, as in PyTorch's DDP, which broadcasts them likewise.
void broadcast_buffers(nn::Module& model);

}  // namespace nabla::apps
