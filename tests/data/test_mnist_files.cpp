// Reads the real MNIST files from data/mnist of the source tree when scripts/fetch-mnist
// has put them there; otherwise the test prints "SKIPPED:" and ctest reports it skipped.
#include <catch2/catch.hpp>
#include <nabla.h>

#include <filesystem>
#include <numeric>

using namespace nabla;

namespace {

// Expected values from numpy over the verified files:
//   x = np.frombuffer(open(f, 'rb').read()[16:], np.uint8).reshape(-1, 28, 28)
//   y = np.frombuffer(open(f, 'rb').read()[8:], np.uint8)
//   y[:10], np.bincount(y), (x / 255).mean(), (x / 255).std(), x[0].sum()
const std::vector<float> kTrainFirstLabels = {5, 0, 4, 1, 9, 2, 1, 3, 1, 4};
const std::vector<float> kTestFirstLabels = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
const std::vector<std::int64_t> kTrainCounts = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
const std::vector<std::int64_t> kTestCounts = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};

std::vector<std::int64_t> class_counts(const data::MNIST& mnist) {
    std::vector<std::int64_t> counts(10);
    for (std::uint8_t label : mnist.labels()) ++counts[label];
    return counts;
}

std::int64_t first_image_sum(const data::MNIST& mnist) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < 28 * 28; ++i) sum += mnist.pixels()[static_cast<size_t>(i)];
    return sum;
}

}  // namespace

TEST_CASE("MNIST reads the real training and test files", "[data][mnist][real]") {
    const std::filesystem::path dir = std::filesystem::path(NABLA_SOURCE_DIR) / "data" / "mnist";
    std::filesystem::path found;
    try {
        found = data::find_mnist_dir(dir.string());
    } catch (const Error& e) {
        WARN("SKIPPED: real MNIST files not present (" << e.what() << ")");
        return;
    }

    data::MNIST train(found, data::Split::train, {.stats_from_data = true});
    REQUIRE(train.size() == 60000);
    CHECK(train.rows() == 28);
    CHECK(train.cols() == 28);
    CHECK(class_counts(train) == kTrainCounts);
    CHECK(first_image_sum(train) == 27525);
    CHECK(train.mean() == Approx(0.1306604762738429));
    CHECK(train.std() == Approx(0.3081078038564622));

    data::MNIST test(found, data::Split::test);
    REQUIRE(test.size() == 10000);
    CHECK(class_counts(test) == kTestCounts);
    CHECK(first_image_sum(test) == 18454);

    std::vector<std::int64_t> first(10);
    std::iota(first.begin(), first.end(), std::int64_t{0});
    CHECK(train.get_batch(first).y.to_vector() == kTrainFirstLabels);
    CHECK(test.get_batch(first).y.to_vector() == kTestFirstLabels);

    data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .drop_last = true, .seed = 0});
    CHECK(loader.size() == 937);
    auto it = loader.begin();
    CHECK(it->x.shape() == Shape{64, 1, 28, 28});
}
