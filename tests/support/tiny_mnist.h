#pragma once
// A synthetic, learnable MNIST-like dataset the app tests write into their own scratch
// directory, and the trainer arguments every such test starts from (one BLAS thread:
// runs are bit-reproducible).
#include "support/files.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nabla::test {

// Four MNIST IDX files in `dir` (uncompressed): 28x28 images whose class is the
// position of a bright 6x6 block on a 2x5 grid, jittered by a pixel, over noise.
// A linear model separates the classes; chance is 10%.
void write_tiny_mnist(const std::filesystem::path& dir, int train_count = 600, int test_count = 200,
                      unsigned seed = 7);

// A scratch directory holding the tiny dataset under mnist/, and room for a test's own files.
struct TinyMnist {
    TempDir dir;
    std::filesystem::path data = dir / "mnist";
    TinyMnist() { write_tiny_mnist(data); }
    std::string path(const std::string& name) const { return dir.file(name); }

    // --data, one thread, batch 32 and a limit on the training images.
    std::vector<std::string> args(std::vector<std::string> extra, int limit_train = 320) const {
        std::vector<std::string> a{
            "--data",       data.string(), "--threads",     "1",
            "--batch-size", "32",          "--limit-train", std::to_string(limit_train),
            "--quiet"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
};

}  // namespace nabla::test
