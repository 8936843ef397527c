// Classifies the MNIST test set with an exported ONNX model run by OpenCV's DNN module, not
// by nabla: the real-data check of ONNX export (docs/deploy.md).
//   onnx_mnist_opencv MODEL.onnx KIND [DATA_DIR]
// KIND is the model's kind (mlp, cnn, resnet: how the images are shaped); DATA_DIR defaults
// to data/mnist. The images get the same preprocessing as in training (data::MNIST).
#include "apps/shared/models.h"

#include <fmt/format.h>
#include <nabla.h>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <numeric>
#include <string>
#include <vector>

namespace {

int run(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        fmt::print(stderr, "usage: {} MODEL.onnx mlp|cnn|resnet [DATA_DIR]\n", argv[0]);
        return 2;
    }
    using namespace nabla;
    const apps::ModelKind kind = apps::parse_model_kind(argv[2]);
    const data::MNIST test_set(argc > 3 ? argv[3] : "data/mnist", data::Split::test);
    cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
    std::int64_t correct = 0;
    std::vector<std::int64_t> idx;
    const std::int64_t n = test_set.size(), batch = 500;
    for (std::int64_t start = 0; start < n; start += batch) {
        idx.resize(size_t(std::min(batch, n - start)));
        std::iota(idx.begin(), idx.end(), start);
        const data::Batch b = test_set.get_batch(idx);
        const Tensor x = apps::model_input(b.x, kind);
        std::vector<int> sizes(x.shape().dims().begin(), x.shape().dims().end());
        net.setInput(cv::Mat(int(sizes.size()), sizes.data(), CV_32F, const_cast<float*>(x.data())).clone());
        const cv::Mat logits = net.forward();
        const int classes = logits.size[1];
        for (int i = 0; i < int(idx.size()); ++i) {
            const float* row = logits.ptr<float>(i);
            const int predicted = int(std::max_element(row, row + classes) - row);
            if (predicted == int(b.y.data()[i])) ++correct;
        }
    }
    fmt::print("{} in OpenCV DNN: test accuracy {:.2f}% ({} of {} images)\n", argv[1],
               100.0 * double(correct) / double(n), correct, n);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
