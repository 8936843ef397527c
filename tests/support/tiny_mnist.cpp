#include "support/tiny_mnist.h"

#include "support/idx_files.h"

#include <cstdint>
#include <random>

namespace nabla::test {

namespace {
void write_split(const std::filesystem::path& images_path, const std::filesystem::path& labels_path,
                 int count, std::mt19937& rng) {
    constexpr int kSide = 28, kBlock = 6;
    std::uniform_int_distribution<int> noise(0, 70), bright(180, 255), jitter(-1, 1);
    Bytes pixels(static_cast<size_t>(count) * kSide * kSide), labels(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        const int label = static_cast<int>(rng() % 10);
        labels[size_t(i)] = static_cast<std::uint8_t>(label);
        std::uint8_t* img = pixels.data() + static_cast<size_t>(i) * kSide * kSide;
        for (int p = 0; p < kSide * kSide; ++p) img[p] = static_cast<std::uint8_t>(noise(rng));
        // Grid cell of the class: rows {3, 16}, columns {1, 6, 11, 16, 21}, then +-1 pixel.
        const int top = (label / 5 == 0 ? 3 : 16) + jitter(rng);
        const int left = 1 + 5 * (label % 5) + jitter(rng) + 1;
        for (int y = top; y < top + kBlock; ++y)
            for (int x = left; x < left + kBlock && x < kSide; ++x)
                img[y * kSide + x] = static_cast<std::uint8_t>(bright(rng));
    }
    write_file(images_path, idx_images(static_cast<std::uint32_t>(count), kSide, kSide, pixels));
    write_file(labels_path, idx_labels(labels));
}
}  // namespace

void write_tiny_mnist(const std::filesystem::path& dir, int train_count, int test_count, unsigned seed) {
    std::filesystem::create_directories(dir);
    std::mt19937 rng(seed);
    write_split(dir / "train-images-idx3-ubyte", dir / "train-labels-idx1-ubyte", train_count, rng);
    write_split(dir / "t10k-images-idx3-ubyte", dir / "t10k-labels-idx1-ubyte", test_count, rng);
}

}  // namespace nabla::test
