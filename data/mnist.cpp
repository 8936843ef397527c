#include "data/mnist.h"

#include "core/error.h"
#include "data/idx.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <system_error>

namespace nabla::data {

namespace {

constexpr const char* kWhere = "MNIST";

// The fix, ready to paste: the script downloads into any folder. The library does not name
// a program's flags (a trainer adds its own "--data").
std::string fetch_hint(const std::filesystem::path& dir) {
    return fmt::format("run scripts/fetch-mnist {} to download MNIST there", dir.string());
}

const char* split_prefix(Split split) { return split == Split::train ? "train" : "t10k"; }

// Official names first, then gzip, then the dotted spelling some mirrors use.
std::array<std::string, 4> candidate_names(Split split, const char* kind, const char* idx) {
    const std::string stem = fmt::format("{}-{}", split_prefix(split), kind);
    return {stem + "-" + idx + "-ubyte", stem + "-" + idx + "-ubyte.gz", stem + "." + idx + "-ubyte",
            stem + "." + idx + "-ubyte.gz"};
}

bool is_file(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec);
}

std::filesystem::path pick_file(const std::filesystem::path& dir, Split split, const char* kind,
                                const char* idx) {
    const auto names = candidate_names(split, kind, idx);
    for (const std::string& name : names)
        if (is_file(dir / name)) return dir / name;
    NABLA_CHECK(false, kWhere, "no {} {} file in {} (looked for {}); {}", split_prefix(split), kind,
                dir.string(), fmt::join(names, ", "), fetch_hint(dir));
    return {};
}

}  // namespace

std::filesystem::path mnist_images_file(const std::filesystem::path& dir, Split split) {
    return pick_file(dir, split, "images", "idx3");
}

std::filesystem::path mnist_labels_file(const std::filesystem::path& dir, Split split) {
    return pick_file(dir, split, "labels", "idx1");
}

std::filesystem::path find_mnist_dir(const std::string& dir) {
    const std::filesystem::path path =
        dir.empty() ? std::filesystem::path("data/mnist") : std::filesystem::path(dir);
    std::error_code ec;
    NABLA_CHECK(std::filesystem::is_directory(path, ec), kWhere, "no MNIST directory {}; {}", path.string(),
                fetch_hint(path));
    for (Split split : {Split::train, Split::test}) {
        mnist_images_file(path, split);
        mnist_labels_file(path, split);
    }
    return path;
}

MNIST::MNIST(const std::filesystem::path& dir, Split split, MNISTOptions options)
    : num_classes_(options.num_classes) {
    NABLA_CHECK(options.num_classes >= 1 && options.num_classes <= 256, kWhere,
                "num_classes must be in [1, 256] for byte labels, got {}", options.num_classes);
    NABLA_CHECK(options.limit >= 0, kWhere, "limit must be >= 0 (0 keeps all samples), got {}",
                options.limit);

    const std::filesystem::path images_file = mnist_images_file(dir, split);
    const std::filesystem::path labels_file = mnist_labels_file(dir, split);
    IdxImages images = read_idx_images(images_file);
    labels_ = read_idx_labels(labels_file);
    NABLA_CHECK(images.count == std::ssize(labels_), kWhere, "{} holds {} images but {} holds {} labels",
                images_file.string(), images.count, labels_file.string(), labels_.size());
    const auto bad = std::find_if(labels_.begin(), labels_.end(),
                                  [&](std::uint8_t label) { return label >= options.num_classes; });
    NABLA_CHECK(bad == labels_.end(), kWhere,
                "{}: label {} of sample {} is out of range for {} classes (labels must lie in [0, {}))",
                labels_file.string(), int(*bad), bad - labels_.begin(), options.num_classes,
                options.num_classes);

    count_ = images.count;
    rows_ = images.rows;
    cols_ = images.cols;
    pixels_ = std::move(images.pixels);
    if (options.limit > 0 && options.limit < count_) {
        count_ = options.limit;
        pixels_.resize(static_cast<size_t>(count_ * rows_ * cols_));
        labels_.resize(static_cast<size_t>(count_));
        pixels_.shrink_to_fit();
        labels_.shrink_to_fit();
    }

    if (options.stats_from_data) {
        NABLA_CHECK(count_ > 0, kWhere, "stats_from_data needs at least one image; {} holds none",
                    images_file.string());
        const PixelStats stats = pixel_stats();
        options.mean = stats.mean;
        options.std = stats.std;
    }
    NABLA_CHECK(std::isfinite(options.mean) && std::isfinite(options.std) && options.std > 0, kWhere,
                "normalisation needs a finite mean and a positive std, got mean {} and std {}{}",
                options.mean, options.std,
                options.stats_from_data ? " (every pixel of the data has the same value)" : "");
    mean_ = options.mean;
    std_ = options.std;
    for (int v = 0; v < 256; ++v) lut_[v] = (static_cast<float>(v) / 255.0f - mean_) / std_;
}

PixelStats MNIST::pixel_stats() const {
    // A histogram of the 256 byte values gives exact sums in one pass.
    std::array<std::int64_t, 256> hist{};
    for (std::uint8_t p : pixels_) ++hist[p];
    double n = 0, sum = 0, sum_sq = 0;
    for (int v = 0; v < 256; ++v) {
        const double x = v / 255.0;
        const double c = static_cast<double>(hist[static_cast<size_t>(v)]);
        n += c;
        sum += c * x;
        sum_sq += c * x * x;
    }
    if (n == 0) return {0.0f, 0.0f};
    const double mean = sum / n;
    const double var = std::max(0.0, sum_sq / n - mean * mean);
    return {static_cast<float>(mean), static_cast<float>(std::sqrt(var))};
}

Batch MNIST::get_batch(std::span<const std::int64_t> indices) const {
    const std::int64_t B = std::ssize(indices);
    const std::int64_t pixels_per_image = rows_ * cols_;
    Batch batch{empty({B, 1, rows_, cols_}), empty({B})};
    float* x = batch.x.data();
    float* y = batch.y.data();
    for (std::int64_t i = 0; i < B; ++i) {
        const std::int64_t k = indices[static_cast<size_t>(i)];
        NABLA_CHECK(k >= 0 && k < count_, kWhere, "sample index {} out of range [0, {})", k, count_);
        const std::uint8_t* src = pixels_.data() + k * pixels_per_image;
        float* dst = x + i * pixels_per_image;
        for (std::int64_t j = 0; j < pixels_per_image; ++j) dst[j] = lut_[src[j]];
        y[i] = static_cast<float>(labels_[static_cast<size_t>(k)]);
    }
    return batch;
}

}  // namespace nabla::data
