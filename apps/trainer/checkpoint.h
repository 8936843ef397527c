#pragma once
// Training checkpoints: the model's parameters and buffers, the optimizer's state and
// where training stood, in one safetensors file written atomically (temporary file,
// fsync, rename), so a killed run never leaves a half-written checkpoint.
//
// A checkpoint is taken at the end of an epoch or in the middle of one (--save-every,
// Ctrl-C). A mid-epoch one also holds the epoch's position and running sums, the global
// generator and what fixes the order of the batches (seed, batch size, training images:
// data::DataLoader derives each epoch's permutation from the seed and the epoch), so a
// resumed run trains the remaining batches of that epoch and ends bit-identical to a run
// never stopped. Files from before these fields read as end-of-epoch checkpoints.
#include <nabla.h>

#include <cstdint>
#include <optional>
#include <string>

namespace nabla::apps {

// The epoch in progress, cut short after `step` of its `steps` batches; all zero at the
// end of an epoch. The sums are the epoch's running means' numerators so far.
struct EpochProgress {
    std::int64_t step = 0;
    std::int64_t steps = 0;
    double loss_sum = 0.0;  // loss times batch size, over the batches that took a step
    std::int64_t correct = 0, seen = 0, skipped = 0;
    bool started() const { return step > 0; }
};

// The settings that fix which images each batch of an epoch holds. Under mpirun a step
// takes world_size * batch_size images (data::DataLoader's sharding): that global batch,
// not the world size, is what a mid-epoch resume must keep.
struct DataOrder {
    std::uint64_t seed = 0;
    std::int64_t batch_size = 0;  // per rank
    std::int64_t limit_train = 0;
    std::int64_t world_size = 1;  // 1 in files from before data-parallel training
    std::int64_t global_batch() const { return batch_size * world_size; }
};

struct TrainState {
    int epoch = 0;          // epochs completed
    std::int64_t step = 0;  // training steps run (with --allow-nonfinite, skipped ones too)
    double best_accuracy = 0.0;
    EpochProgress in_epoch;          // epoch + 1, when it was cut short
    std::optional<DataOrder> order;  // absent in files from before mid-epoch checkpoints
    std::string rng;                 // the global generator's state; empty when not recorded
};

// What a checkpoint was trained as ("mlp_bn", "momentum"); resuming it into another
// model or optimizer is refused with a message naming both and the flags that fit it.
struct CheckpointTag {
    std::string model;
    std::string optimizer;
};

void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& opt,
                     const TrainState& state, const CheckpointTag& tag);
// Restores all three; the model and optimizer are unchanged when the file does not fit.
TrainState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& opt,
                           const CheckpointTag& tag);

// Puts the global generator where the checkpoint found it (nothing for older files); called
// after the model is built, since building it draws from the generator.
void restore_generator(const TrainState& state);

// "epoch 2, step 3 of 10" or "epoch 2 finished": what a checkpoint of `state` holds.
std::string describe_position(const TrainState& state);

}  // namespace nabla::apps
