#pragma once
// Views of a dataset the claims train on: the first n examples (the quick study's
// reduced scale), any chosen indices, and a binary relabelling ("is it a zero").
#include <nabla.h>

#include <cstdint>
#include <vector>

namespace nabla::apps {

class Subset : public data::Dataset {
public:
    Subset(const data::Dataset& base, std::vector<std::int64_t> indices);
    std::int64_t size() const override { return std::int64_t(indices_.size()); }
    data::Batch get_batch(std::span<const std::int64_t> indices) const override;

private:
    const data::Dataset& base_;
    std::vector<std::int64_t> indices_;
};

// The first min(n, size) examples; n <= 0 keeps all.
Subset first_n(const data::Dataset& base, std::int64_t n);

// Labels become 1 for `positive`, 0 for every other class.
class OneVsRest : public data::Dataset {
public:
    OneVsRest(const data::Dataset& base, int positive) : base_(base), positive_(positive) {}
    std::int64_t size() const override { return base_.size(); }
    data::Batch get_batch(std::span<const std::int64_t> indices) const override;

private:
    const data::Dataset& base_;
    int positive_;
};

}  // namespace nabla::apps
