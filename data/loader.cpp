#include "data/loader.h"

#include "core/error.h"
#include "core/random.h"

#include <algorithm>
#include <numeric>
#include <span>

namespace nabla::data {

namespace {

constexpr const char* kWhere = "DataLoader";

// SplitMix64's finaliser: spreads (seed, epoch) over the whole 64-bit seed space, so
// neighbouring seeds and epochs start unrelated streams.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// Uniform in [0, bound) by rejection, instead of std::uniform_int_distribution, whose
// output differs between standard libraries.
std::uint64_t uniform_below(Generator& g, std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
        const std::uint64_t r = g();
        if (r >= threshold) return r % bound;
    }
}

}  // namespace

DataLoader::DataLoader(const Dataset& dataset, DataLoaderOptions options)
    : dataset_(dataset), options_(options) {
    NABLA_CHECK(options.batch_size > 0, kWhere, "batch_size must be positive, got {}", options.batch_size);
    NABLA_CHECK(options.limit >= 0, kWhere, "limit must be >= 0 (0 uses all samples), got {}", options.limit);
    NABLA_CHECK(options.world_size >= 1 && options.rank >= 0 && options.rank < options.world_size, kWhere,
                "rank {} is not in a world of {} (rank in [0, world_size))", options.rank,
                options.world_size);
    num_samples_ = dataset.size();
    if (options.limit > 0) num_samples_ = std::min(num_samples_, options.limit);
    shard_size_ = num_samples_ / options.world_size;
    NABLA_CHECK(num_samples_ == 0 || shard_size_ > 0, kWhere,
                "{} samples cannot be shared among {} ranks: every rank needs at least one", num_samples_,
                options.world_size);
    num_batches_ = options.drop_last ? shard_size_ / options.batch_size
                                     : (shard_size_ + options.batch_size - 1) / options.batch_size;
    NABLA_CHECK(
        shard_size_ == 0 || num_batches_ > 0, kWhere,
        "drop_last with batch_size {} and only {} samples{} leaves no batch; use a smaller batch_size "
        "or drop_last = false",
        options.batch_size, shard_size_,
        options.world_size > 1 ? fmt::format(" per rank ({} ranks)", options.world_size) : "");
}

void DataLoader::set_epoch(std::int64_t epoch) {
    NABLA_CHECK(epoch >= 0, kWhere, "epoch must be >= 0, got {}", epoch);
    next_epoch_ = epoch;
}

std::vector<std::int64_t> DataLoader::epoch_order(std::int64_t epoch) const {
    std::vector<std::int64_t> order(static_cast<size_t>(num_samples_));
    std::iota(order.begin(), order.end(), std::int64_t{0});
    if (!options_.shuffle) return order;
    Generator g(mix(options_.seed ^ mix(static_cast<std::uint64_t>(epoch))));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[uniform_below(g, i)]);
    return order;
}

std::vector<std::int64_t> DataLoader::shard_order(std::int64_t epoch) const {
    std::vector<std::int64_t> order = epoch_order(epoch);
    const int W = options_.world_size;
    if (W == 1) return order;
    std::vector<std::int64_t> shard(static_cast<size_t>(shard_size_));
    for (std::int64_t p = 0; p < shard_size_; ++p) shard[size_t(p)] = order[size_t(options_.rank + W * p)];
    return shard;
}

DataLoader::Iterator DataLoader::begin() {
    auto order = std::make_shared<const std::vector<std::int64_t>>(shard_order(next_epoch_));
    ++next_epoch_;
    return Iterator(this, std::move(order), 0);
}

DataLoader::Iterator DataLoader::end() const {
    Iterator it;
    it.index_ = num_batches_;
    return it;
}

DataLoader::Iterator::Iterator(const DataLoader* loader,
                               std::shared_ptr<const std::vector<std::int64_t>> order, std::int64_t index)
    : loader_(loader), order_(std::move(order)), index_(index) {
    load();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
    ++index_;
    load();
    return *this;
}

void DataLoader::Iterator::load() {
    if (index_ >= loader_->num_batches_) {
        batch_ = {};
        return;
    }
    const std::int64_t bs = loader_->options_.batch_size;
    const std::int64_t first = index_ * bs;
    const std::int64_t count = std::min(bs, loader_->shard_size_ - first);
    batch_ = loader_->dataset_.get_batch(
        std::span(*order_).subspan(static_cast<size_t>(first), static_cast<size_t>(count)));
}

}  // namespace nabla::data
