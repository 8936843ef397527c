#include "data/datasets.h"

#include "core/error.h"

#include <fmt/format.h>

#include <system_error>

namespace nabla::data {

namespace {

// True when `dir` holds the four files in one of the spellings data::MNIST reads.
bool holds_all_files(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return false;
    try {
        for (Split split : {Split::train, Split::test}) {
            mnist_images_file(dir, split);
            mnist_labels_file(dir, split);
        }
    } catch (const Error&) {
        return false;
    }
    return true;
}

}  // namespace

const DatasetInfo& dataset_info(DatasetName id) {
    static const DatasetInfo mnist{DatasetName::mnist,
                                   "mnist",
                                   "MNIST",
                                   {"data/mnist"},
                                   0.1307f,
                                   0.3081f,
                                   "run scripts/fetch-mnist to download MNIST, or pass --data DIR"};
    static const DatasetInfo fashion{
        DatasetName::fashion_mnist,
        "fashion-mnist",
        "Fashion-MNIST",
        {"data/fashion-mnist", "/usr/share/datasets/fashion-mnist"},
        0.2860f,
        0.3530f,
        "run scripts/fetch-fashion-mnist (it installs Debian's dataset-fashion-mnist package), or pass "
        "--data DIR"};
    return id == DatasetName::mnist ? mnist : fashion;
}

DatasetName parse_dataset_name(const std::string& name) {
    for (DatasetName id : {DatasetName::mnist, DatasetName::fashion_mnist})
        if (dataset_info(id).name == name) return id;
    throw Error("dataset", fmt::format("unknown data set '{}' (expected mnist or fashion-mnist)", name));
}

std::filesystem::path find_dataset_dir(DatasetName id, const std::string& dir) {
    const DatasetInfo& info = dataset_info(id);
    // MNIST keeps find_mnist_dir's checks and messages.
    if (id == DatasetName::mnist) return find_mnist_dir(dir);
    if (!dir.empty()) {
        NABLA_CHECK(holds_all_files(dir), info.title, "no {} files in {}; {}", info.title, dir,
                    info.fetch_hint);
        return dir;
    }
    std::vector<std::string> tried;
    for (const std::filesystem::path& candidate : info.search_dirs) {
        if (holds_all_files(candidate)) return candidate;
        tried.push_back(candidate.string());
    }
    throw Error(info.title,
                fmt::format("no {} files in {}; {}", info.title, fmt::join(tried, " or "), info.fetch_hint));
}

MNISTOptions dataset_options(DatasetName id) {
    const DatasetInfo& info = dataset_info(id);
    return {.mean = info.mean, .std = info.std};
}

}  // namespace nabla::data
