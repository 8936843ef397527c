#include "apps/study/subsets.h"

#include <numeric>

namespace nabla::apps {

Subset::Subset(const data::Dataset& base, std::vector<std::int64_t> indices)
    : base_(base), indices_(std::move(indices)) {
    for (auto i : indices_)
        NABLA_CHECK(i >= 0 && i < base.size(), "Subset", "index {} outside a dataset of {}", i, base.size());
}

data::Batch Subset::get_batch(std::span<const std::int64_t> indices) const {
    std::vector<std::int64_t> mapped;
    mapped.reserve(indices.size());
    for (auto i : indices) mapped.push_back(indices_.at(size_t(i)));
    return base_.get_batch(mapped);
}

Subset first_n(const data::Dataset& base, std::int64_t n) {
    std::vector<std::int64_t> idx(size_t(n > 0 ? std::min(n, base.size()) : base.size()));
    std::iota(idx.begin(), idx.end(), 0);
    return Subset(base, std::move(idx));
}

data::Batch OneVsRest::get_batch(std::span<const std::int64_t> indices) const {
    data::Batch b = base_.get_batch(indices);
    Tensor y = b.y.clone();
    float* p = y.data();
    for (std::int64_t i = 0; i < y.numel(); ++i) p[i] = int(p[i]) == positive_ ? 1.0f : 0.0f;
    return {b.x, y};
}

}  // namespace nabla::apps
