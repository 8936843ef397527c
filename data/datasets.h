#pragma once
// The data sets in MNIST's IDX layout that nabla knows by name, so a program's
// --dataset flag picks where the files are, how to normalise them and what to tell
// the user when they are missing. Both are 28x28 grey images in 10 classes, 60,000
// for training and 10,000 for testing, read by data::MNIST.
//   mnist          data/mnist (scripts/fetch-mnist)                 mean 0.1307, std 0.3081
//   fashion-mnist  data/fashion-mnist, else Debian's package         mean 0.2860, std 0.3530
//                  dataset-fashion-mnist in /usr/share/datasets/fashion-mnist
//                  (scripts/fetch-fashion-mnist installs and verifies it)
// The means and stds are each training set's pixel statistics after scaling to [0, 1].
#include "data/mnist.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nabla::data {

enum class DatasetName { mnist, fashion_mnist };

struct DatasetInfo {
    DatasetName id;
    std::string name;                                // as on the command line: "fashion-mnist"
    std::string title;                               // for reports: "Fashion-MNIST"
    std::vector<std::filesystem::path> search_dirs;  // tried in order when no directory is given
    float mean, std;
    std::string fetch_hint;  // how to get the files
};

const DatasetInfo& dataset_info(DatasetName id);
// "mnist" or "fashion-mnist"; throws listing the known names otherwise.
DatasetName parse_dataset_name(const std::string& name);
// `dir` when given, else the first of the search directories that holds all four files.
// Throws a one-line Error naming what it tried and the fetch hint.
std::filesystem::path find_dataset_dir(DatasetName id, const std::string& dir = "");
// MNISTOptions with the data set's normalisation.
MNISTOptions dataset_options(DatasetName id);

}  // namespace nabla::data
