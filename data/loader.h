#pragma once
// DataLoader: cuts a Dataset into batches, one epoch per range-for loop.
//
//   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 1});
//   for (int epoch = 0; epoch < 10; ++epoch)
//       for (auto& [x, y] : loader) { ... }
//
// Every begin() starts the next epoch. With shuffle, epoch e visits the samples in a
// permutation drawn from (seed, e) alone: the same run to run, a different order each
// epoch, and untouched by (and not touching) the global generator. Every sample comes
// exactly once per epoch; with drop_last the last, partial batch is left out.
// The loader keeps a reference to the dataset, which must outlive it.
//
// Sharding for data-parallel training: with world_size W > 1, the process of rank r takes
// the positions r, r + W, r + 2W, ... of the epoch's permutation (the same on every rank:
// it depends on (seed, epoch) alone), and only the first W * floor(n / W) positions, so
// every rank gets the same number of samples and batches; the n mod W remainder is left out
// of the epoch (it changes from epoch to epoch with the permutation). Then W ranks with
// batch B see, at each step, exactly the samples one process with batch W * B sees:
// rank r's j-th sample of batch b is the unsharded position W * (b * B + j) + r.
#include "data/dataset.h"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

namespace nabla::data {

struct DataLoaderOptions {
    std::int64_t batch_size = 64;
    bool shuffle = false;
    bool drop_last = false;
    std::uint64_t seed = 0;
    std::int64_t limit = 0;  // use only the first `limit` samples of the dataset; 0 uses all
    // This process's share (see above): rank in [0, world_size). Plain numbers, so data/
    // needs no MPI: a trainer passes dist::rank() and dist::world_size().
    int rank = 0;
    int world_size = 1;
};

class DataLoader {
public:
    // An input iterator over one epoch's batches; *it is the current batch.
    class Iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Batch;
        using difference_type = std::ptrdiff_t;
        using pointer = Batch*;
        using reference = Batch&;

        Iterator() = default;
        Batch& operator*() { return batch_; }
        Batch* operator->() { return &batch_; }
        Iterator& operator++();
        void operator++(int) { ++*this; }
        bool operator==(const Iterator& other) const { return index_ == other.index_; }

    private:
        friend class DataLoader;
        Iterator(const DataLoader* loader, std::shared_ptr<const std::vector<std::int64_t>> order,
                 std::int64_t index);
        void load();

        const DataLoader* loader_ = nullptr;
        std::shared_ptr<const std::vector<std::int64_t>> order_;
        std::int64_t index_ = 0;  // batch number within the epoch
        Batch batch_;
    };

    DataLoader(const Dataset& dataset, DataLoaderOptions options = {});
    DataLoader(const Dataset&&, DataLoaderOptions = {}) = delete;  // would dangle

    Iterator begin();  // starts the next epoch
    Iterator end() const;

    std::int64_t size() const { return num_batches_; }         // batches per epoch (of this rank)
    std::int64_t num_samples() const { return num_samples_; }  // of all ranks, remainder included
    std::int64_t shard_size() const { return shard_size_; }    // samples per epoch of this rank
    const DataLoaderOptions& options() const { return options_; }
    std::int64_t next_epoch() const { return next_epoch_; }  // the epoch the next begin() runs
    void set_epoch(std::int64_t epoch);                      // e.g. to resume a run

    // The order in which `epoch` visits the samples (a permutation of [0, num_samples())),
    // the same on every rank; shard_order is this rank's strided share of it.
    std::vector<std::int64_t> epoch_order(std::int64_t epoch) const;
    std::vector<std::int64_t> shard_order(std::int64_t epoch) const;

private:
    const Dataset& dataset_;
    DataLoaderOptions options_;
    std::int64_t num_samples_ = 0;
    std::int64_t shard_size_ = 0;
    std::int64_t num_batches_ = 0;
    std::int64_t next_epoch_ = 0;
};

}  // namespace nabla::data
