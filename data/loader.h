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

    std::int64_t size() const { return num_batches_; }  // batches per epoch
    std::int64_t num_samples() const { return num_samples_; }
    const DataLoaderOptions& options() const { return options_; }
    std::int64_t next_epoch() const { return next_epoch_; }  // the epoch the next begin() runs
    void set_epoch(std::int64_t epoch);                      // e.g. to resume a run

    // The order in which `epoch` visits the samples (a permutation of [0, num_samples())).
    std::vector<std::int64_t> epoch_order(std::int64_t epoch) const;

private:
    const Dataset& dataset_;
    DataLoaderOptions options_;
    std::int64_t num_samples_ = 0;
    std::int64_t num_batches_ = 0;
    std::int64_t next_epoch_ = 0;
};

}  // namespace nabla::data
