#pragma once
// MNIST (and any dataset in its IDX layout): images kept as bytes in memory, converted
// per batch to float x [B, 1, rows, cols] = (pixel / 255 - mean) / std and y [B] holding
// class indices as floats.
//
//   data::MNIST train(data::find_mnist_dir(flag), data::Split::train, {.stats_from_data = true});
//   data::MNIST test(train_dir, data::Split::test, {.mean = train.mean(), .std = train.std()});
#include "data/dataset.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace nabla::data {

enum class Split { train, test };

struct MNISTOptions {
    // Normalisation after scaling to [0, 1]; the defaults are MNIST's training-set values.
    float mean = 0.1307f;
    float std = 0.3081f;
    // Use this split's own pixel mean and std instead of mean/std above (meant for the
    // training split; pass its mean() and std() to the test split).
    bool stats_from_data = false;
    std::int64_t num_classes = 10;  // every label must lie in [0, num_classes)
    std::int64_t limit = 0;         // keep only the first `limit` samples; 0 keeps all
};

// The file of a split in `dir`, picked by name: "train-images-idx3-ubyte", then the same
// with ".gz", then the dotted variant "train-images.idx3-ubyte" (and ".gz"); "t10k-" for
// the test split. Throws naming the names it tried when none exists.
std::filesystem::path mnist_images_file(const std::filesystem::path& dir, Split split);
std::filesystem::path mnist_labels_file(const std::filesystem::path& dir, Split split);

// The directory to read MNIST from: `dir` when given, else "data/mnist" (relative to the
// working directory). Throws a one-line Error naming the missing folder or file and the
// command that fetches the four files there ("run scripts/fetch-mnist DIR ...").
std::filesystem::path find_mnist_dir(const std::string& dir = "");

// Pixel statistics over all images, after scaling to [0, 1].
struct PixelStats {
    float mean;
    float std;
};

class MNIST : public Dataset {
public:
    MNIST(const std::filesystem::path& dir, Split split, MNISTOptions options = {});

    std::int64_t size() const override { return count_; }
    Batch get_batch(std::span<const std::int64_t> indices) const override;

    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }
    std::int64_t num_classes() const { return num_classes_; }
    float mean() const { return mean_; }  // the normalisation in use
    float std() const { return std_; }
    // Computed from the loaded images.
    PixelStats pixel_stats() const;
    const std::vector<std::uint8_t>& pixels() const { return pixels_; }  // [N, rows, cols]
    const std::vector<std::uint8_t>& labels() const { return labels_; }  // [N]

private:
    std::int64_t count_ = 0, rows_ = 0, cols_ = 0, num_classes_ = 0;
    float mean_ = 0, std_ = 1;
    std::vector<std::uint8_t> pixels_;
    std::vector<std::uint8_t> labels_;
    float lut_[256];  // byte -> normalised float, so a batch converts with one lookup a pixel
};

}  // namespace nabla::data
