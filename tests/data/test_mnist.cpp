#include "support/idx_files.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <cmath>
#include <numeric>

using namespace nabla;
using namespace nabla::test;
using Catch::Contains;

namespace {

// 3 images of 2x2 and their labels, under the official names in `dir`.
const Bytes kMnistPixels = {0, 255, 51, 102, 10, 20, 30, 40, 255, 255, 0, 0};
const Bytes kLabels = {3, 0, 9};

void write_split(const TempDir& dir, const std::string& prefix, const Bytes& pixels = kMnistPixels,
                 const Bytes& labels = kLabels, std::uint32_t rows = 2, std::uint32_t cols = 2) {
    const auto count = static_cast<std::uint32_t>(pixels.size() / (rows * cols));
    write_file(dir / (prefix + "-images-idx3-ubyte"), idx_images(count, rows, cols, pixels));
    write_file(dir / (prefix + "-labels-idx1-ubyte"), idx_labels(labels));
}

float normalised(std::uint8_t p, float mean, float std) {
    return (static_cast<float>(p) / 255.0f - mean) / std;
}

}  // namespace

TEST_CASE("MNIST converts bytes to normalised float batches in the asked order", "[data][mnist]") {
    TempDir dir;
    write_split(dir, "train");
    data::MNIST mnist(dir.path(), data::Split::train);
    REQUIRE(mnist.size() == 3);
    CHECK(mnist.rows() == 2);
    CHECK(mnist.cols() == 2);
    CHECK(mnist.mean() == 0.1307f);
    CHECK(mnist.std() == 0.3081f);

    const std::vector<std::int64_t> idx = {2, 0};
    const data::Batch b = mnist.get_batch(idx);
    CHECK(b.x.shape() == Shape{2, 1, 2, 2});
    CHECK(b.y.shape() == Shape{2});
    CHECK(b.y.to_vector() == std::vector<float>{9.0f, 3.0f});
    const std::vector<float> x = b.x.to_vector();
    const Bytes expected_bytes = {255, 255, 0, 0, 0, 255, 51, 102};
    for (size_t i = 0; i < x.size(); ++i)
        CHECK(x[i] == Approx(normalised(expected_bytes[i], 0.1307f, 0.3081f)));
    CHECK(x[0] == Approx((1.0f - 0.1307f) / 0.3081f));
}

TEST_CASE("MNIST takes other normalisation values, or computes them from the data", "[data][mnist]") {
    TempDir dir;
    write_split(dir, "train");
    write_split(dir, "t10k");

    data::MNIST raw(dir.path(), data::Split::train, {.mean = 0.0f, .std = 1.0f});
    const std::vector<float> x = raw.get_batch(std::vector<std::int64_t>{0}).x.to_vector();
    CHECK(x == std::vector<float>{0.0f, 1.0f, 0.2f, 0.4f});

    double sum = 0, sum_sq = 0;
    for (std::uint8_t p : kMnistPixels) {
        sum += p / 255.0;
        sum_sq += (p / 255.0) * (p / 255.0);
    }
    const double mean = sum / 12, std = std::sqrt(sum_sq / 12 - mean * mean);
    data::MNIST train(dir.path(), data::Split::train, {.stats_from_data = true});
    CHECK(train.mean() == Approx(mean));
    CHECK(train.std() == Approx(std));
    CHECK(raw.pixel_stats().mean == Approx(mean));

    data::MNIST test(dir.path(), data::Split::test, {.mean = train.mean(), .std = train.std()});
    const data::Batch b = test.get_batch(std::vector<std::int64_t>{0, 1, 2});
    std::vector<float> xs = b.x.to_vector();
    const double batch_mean = std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
    CHECK(batch_mean == Approx(0.0).margin(1e-6));

    CHECK_THROWS_WITH(data::MNIST(dir.path(), data::Split::train, {.std = 0.0f}),
                      Contains("MNIST: normalisation needs a finite mean and a positive std"));
}

TEST_CASE("MNIST picks gzip and dotted file names", "[data][mnist]") {
    TempDir dir;
    write_file(dir / "train-images.idx3-ubyte", idx_images(3, 2, 2, kMnistPixels));
    write_file(dir / "train-labels.idx1-ubyte.gz", gzip(idx_labels(kLabels)));
    write_file(dir / "t10k-images-idx3-ubyte.gz", gzip(idx_images(3, 2, 2, kMnistPixels)));
    write_file(dir / "t10k-labels.idx1-ubyte", idx_labels({1, 1, 1}));
    CHECK(data::mnist_images_file(dir.path(), data::Split::train) == dir / "train-images.idx3-ubyte");
    CHECK(data::mnist_labels_file(dir.path(), data::Split::train) == dir / "train-labels.idx1-ubyte.gz");

    data::MNIST train(dir.path(), data::Split::train);
    data::MNIST test(dir.path(), data::Split::test);
    CHECK(train.labels() == kLabels);
    CHECK(train.pixels() == kMnistPixels);
    CHECK(test.pixels() == kMnistPixels);
    CHECK(test.labels() == Bytes{1, 1, 1});

    // The official uncompressed name wins when several are present.
    write_file(dir / "train-labels-idx1-ubyte", idx_labels({2, 2, 2}));
    CHECK(data::MNIST(dir.path(), data::Split::train).labels() == Bytes{2, 2, 2});
}

TEST_CASE("MNIST reads any image size and count", "[data][mnist]") {
    TempDir dir;
    Bytes pixels(5 * 3 * 7);
    std::iota(pixels.begin(), pixels.end(), std::uint8_t{0});
    write_split(dir, "train", pixels, {0, 1, 2, 3, 4}, 3, 7);
    data::MNIST mnist(dir.path(), data::Split::train);
    CHECK(mnist.size() == 5);
    const data::Batch b = mnist.get_batch(std::vector<std::int64_t>{4});
    CHECK(b.x.shape() == Shape{1, 1, 3, 7});
    CHECK(b.x.at({0, 0, 2, 6}) == Approx(normalised(104, 0.1307f, 0.3081f)));
}

TEST_CASE("MNIST limit keeps the first samples", "[data][mnist]") {
    TempDir dir;
    write_split(dir, "train");
    data::MNIST two(dir.path(), data::Split::train, {.limit = 2});
    CHECK(two.size() == 2);
    CHECK(two.labels() == Bytes{3, 0});
    CHECK(two.pixels() == Bytes(kMnistPixels.begin(), kMnistPixels.begin() + 8));
    CHECK(data::MNIST(dir.path(), data::Split::train, {.limit = 100}).size() == 3);
    CHECK_THROWS_WITH(data::MNIST(dir.path(), data::Split::train, {.limit = -1}),
                      Contains("limit must be >= 0"));
    CHECK_THROWS_WITH(two.get_batch(std::vector<std::int64_t>{2}),
                      Contains("sample index 2 out of range [0, 2)"));
}

TEST_CASE("MNIST names the missing file and says how to fetch it", "[data][mnist]") {
    TempDir dir;
    write_split(dir, "train");
    CHECK_THROWS_WITH(
        data::MNIST(dir.path(), data::Split::test),
        Contains("no t10k images file in " + dir.path().string()) &&
            Contains("t10k-images-idx3-ubyte, t10k-images-idx3-ubyte.gz, t10k-images.idx3-ubyte") &&
            Contains("run scripts/fetch-mnist"));
    std::filesystem::remove(dir / "train-labels-idx1-ubyte");
    CHECK_THROWS_WITH(data::MNIST(dir.path(), data::Split::train), Contains("no train labels file"));
}

TEST_CASE("MNIST refuses image and label counts that differ", "[data][mnist]") {
    TempDir dir;
    write_split(dir, "train", kMnistPixels, {3, 0});
    CHECK_THROWS_WITH(data::MNIST(dir.path(), data::Split::train),
                      Contains("train-images-idx3-ubyte holds 3 images but") &&
                          Contains("train-labels-idx1-ubyte holds 2 labels"));
}

TEST_CASE("MNIST refuses labels out of range for the number of classes", "[data][mnist]") {
    TempDir dir;
    write_split(dir, "train", kMnistPixels, {3, 10, 1});
    CHECK_THROWS_WITH(
        data::MNIST(dir.path(), data::Split::train),
        Contains("train-labels-idx1-ubyte: label 10 of sample 1 is out of range for 10 classes"));
    CHECK(data::MNIST(dir.path(), data::Split::train, {.num_classes = 11}).num_classes() == 11);
    CHECK_THROWS_WITH(data::MNIST(dir.path(), data::Split::train, {.num_classes = 0}),
                      Contains("num_classes must be in [1, 256]"));
}

TEST_CASE("MNIST passes file errors through with the file name", "[data][mnist]") {
    TempDir dir;
    write_split(dir, "train");
    write_file(dir / "train-images-idx3-ubyte", idx_labels({1, 2, 3}));
    CHECK_THROWS_WITH(data::MNIST(dir.path(), data::Split::train),
                      Contains("train-images-idx3-ubyte: wrong magic number 2049"));
}

TEST_CASE("find_mnist_dir accepts a complete directory and otherwise points to fetch-mnist",
          "[data][mnist]") {
    TempDir dir;
    // The hint is the command for that folder, and names no program's flag.
    const std::string absent = (dir / "absent").string();
    CHECK_THROWS_WITH(data::find_mnist_dir(absent), Contains("no MNIST directory " + absent) &&
                                                        Contains("run scripts/fetch-mnist " + absent) &&
                                                        !Contains("--data"));
    write_split(dir, "train");
    CHECK_THROWS_WITH(data::find_mnist_dir(dir.path().string()),
                      Contains("no t10k images file") && Contains("run scripts/fetch-mnist"));
    write_split(dir, "t10k");
    CHECK(data::find_mnist_dir(dir.path().string()) == dir.path());
}
