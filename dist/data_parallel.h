#pragma once
// DataParallel: synchronous data-parallel training of one Module over every rank of the
// World (dist/world.h), in the manner of PyTorch's DistributedDataParallel.
//
//   dist::World world(argc, argv);
//   auto model = make_model();                // the same architecture on every rank
//   dist::DataParallel ddp(*model);           // rank 0's parameters and buffers everywhere
//   for (auto& [x, y] : sharded_loader) {     // each rank its own share of the batch
//       opt.zero_grad();
//       cross_entropy((*model)(x), y).backward();  // gradients averaged over ranks on return
//       opt.step();                           // the same step on every rank
//   }
//
// What is synchronised: at construction, every parameter and buffer is broadcast from rank
// 0 (so the ranks start identical whatever their seeds); in every backward() that reaches
// the module, each parameter's .grad() becomes its mean over ranks before backward returns.
// What is not: buffers after construction (BatchNorm's running statistics stay per rank
// unless the model uses SyncBatchNorm; rank 0's are the ones a checkpoint saves), the
// optimizer state (identical anyway: the same steps from the same values), the data.
//
// How: the parameters, in reverse registration order (the order backward finishes them),
// are packed into flat float buckets of about `bucket_bytes`, the same on every rank. A
// gradient hook (autograd/grad_hooks.h) copies each gradient into its bucket when it is
// final; a full bucket's non-blocking all-reduce starts at once (buckets start in index
// order on every rank, as MPI requires), overlapping the rest of backward. At the end of
// backward every bucket is waited for and divided by the world size. A parameter that got
// no gradient on a rank contributes zeros (it still takes its place in its bucket, so no
// rank waits for a bucket another never sends). Gradients are averaged as .grad() holds
// them: zero them before each backward (accumulating over several backward calls averages
// the accumulated sums again each time). In a world of one DataParallel does nothing.
#include "layers/module.h"

#include <cstdint>
#include <memory>

namespace nabla::dist {

struct DataParallelOptions {
    std::int64_t bucket_bytes = std::int64_t(1) << 20;  // a bucket's size cap (one parameter may exceed it)
    // false: nothing is sent until backward has finished, then every bucket at once (the
    // baseline the overlap is measured against).
    bool overlap = true;
};

// What the all-reduces cost so far on this rank.
struct CommStats {
    std::int64_t syncs = 0;       // backward passes whose gradients were averaged
    std::int64_t bytes = 0;       // bytes all-reduced (each rank's buffer size, summed)
    double seconds = 0.0;         // time inside MPI calls on this thread: the communication
                                  // that backward's computation did not hide
    double finish_seconds = 0.0;  // of which waiting at the end of backward
};

class DataParallel {
public:
    explicit DataParallel(nn::Module& module, DataParallelOptions options = {});
    ~DataParallel();
    DataParallel(const DataParallel&) = delete;
    DataParallel& operator=(const DataParallel&) = delete;

    // Waits for every bucket and writes the averages into .grad(). backward() calls it when it
    // ends; call it yourself only when a backward threw and the job goes on (it is a no-op
    // when no gradient is pending).
    void finish_gradient_sync();

    int bucket_count() const;
    const CommStats& stats() const;
    void reset_stats();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace nabla::dist
