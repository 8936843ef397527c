// The named data sets: parsing, finding their files, their normalisation, and the real
// Fashion-MNIST files when Debian's package (scripts/fetch-fashion-mnist) has put them
// in place (otherwise the real-file test prints "SKIPPED:").
#include "support/idx_files.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <numeric>

using namespace nabla;
using namespace nabla::test;
using Catch::Contains;

namespace {

void write_tiny_dataset(const TempDir& dir) {
    const Bytes pixels = {0, 255, 51, 102, 10, 20, 30, 40};
    for (const char* prefix : {"train", "t10k"}) {
        write_file(dir / (std::string(prefix) + "-images-idx3-ubyte.gz"), gzip(idx_images(2, 2, 2, pixels)));
        write_file(dir / (std::string(prefix) + "-labels-idx1-ubyte.gz"), gzip(idx_labels({1, 7})));
    }
}

}  // namespace

TEST_CASE("data sets are named as on the command line", "[data][datasets]") {
    CHECK(data::parse_dataset_name("mnist") == data::DatasetName::mnist);
    CHECK(data::parse_dataset_name("fashion-mnist") == data::DatasetName::fashion_mnist);
    CHECK(data::dataset_info(data::DatasetName::fashion_mnist).title == "Fashion-MNIST");
    CHECK_THROWS_WITH(data::parse_dataset_name("cifar10"),
                      "dataset: unknown data set 'cifar10' (expected mnist or fashion-mnist)");
}

TEST_CASE("each data set normalises with its own training statistics", "[data][datasets]") {
    TempDir dir;
    write_tiny_dataset(dir);
    const data::MNIST fashion(data::find_dataset_dir(data::DatasetName::fashion_mnist, dir.path().string()),
                              data::Split::train, data::dataset_options(data::DatasetName::fashion_mnist));
    CHECK(fashion.mean() == 0.2860f);
    CHECK(fashion.std() == 0.3530f);
    CHECK(fashion.get_batch(std::vector<std::int64_t>{0}).x.data()[1] == Approx((1.0f - 0.2860f) / 0.3530f));
    const data::MNIST mnist(dir.path(), data::Split::train, data::dataset_options(data::DatasetName::mnist));
    CHECK(mnist.mean() == 0.1307f);
    CHECK(mnist.std() == 0.3081f);
}

TEST_CASE("a missing data set names the directories tried and how to get it", "[data][datasets]") {
    TempDir empty;
    CHECK_THROWS_WITH(data::find_dataset_dir(data::DatasetName::fashion_mnist, empty.path().string()),
                      Contains("Fashion-MNIST: no Fashion-MNIST files in " + empty.path().string()) &&
                          Contains("scripts/fetch-fashion-mnist"));
    CHECK_THROWS_WITH(data::find_dataset_dir(data::DatasetName::mnist, empty.path().string()),
                      Contains("scripts/fetch-mnist"));
}

TEST_CASE("Fashion-MNIST reads the real training and test files", "[data][datasets][real]") {
    std::filesystem::path dir;
    try {
        dir = data::find_dataset_dir(data::DatasetName::fashion_mnist);
    } catch (const Error& e) {
        WARN("SKIPPED: Fashion-MNIST files not present (" << e.what() << ")");
        return;
    }
    // Expected values from numpy over Debian's files:
    //   x = np.frombuffer(gzip.open(f).read()[16:], np.uint8).reshape(-1, 28, 28)
    //   y = np.frombuffer(gzip.open(f).read()[8:], np.uint8)
    //   y[:10], np.bincount(y), (x / 255).mean(), (x / 255).std()
    data::MNIST train(dir, data::Split::train, {.stats_from_data = true});
    REQUIRE(train.size() == 60000);
    CHECK(train.rows() == 28);
    CHECK(train.cols() == 28);
    CHECK(train.mean() == Approx(0.2860405969887955));
    CHECK(train.std() == Approx(0.35302424451492237));
    std::vector<std::int64_t> counts(10);
    for (std::uint8_t label : train.labels()) ++counts[label];
    CHECK(counts == std::vector<std::int64_t>(10, 6000));
    data::MNIST test(dir, data::Split::test, data::dataset_options(data::DatasetName::fashion_mnist));
    REQUIRE(test.size() == 10000);
    std::vector<std::int64_t> first(10);
    std::iota(first.begin(), first.end(), std::int64_t{0});
    CHECK(train.get_batch(first).y.to_vector() == std::vector<float>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5});
    CHECK(test.get_batch(first).y.to_vector() == std::vector<float>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
}
