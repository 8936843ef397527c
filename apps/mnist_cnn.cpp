// Trains the MNIST CNN (two 3x3 conv + max-pool blocks, then 3136-128-10), with or
// without BatchNorm.
//   build/apps/mnist_cnn --bn       # reaches >= 99.2% test accuracy with the defaults
//   build/apps/mnist_cnn --no-bn    # reaches >= 99.0%
// Flags: build/apps/mnist_cnn --help
#include "apps/trainer/run_trainer.h"

int main(int argc, char** argv) {
    return nabla::apps::run_trainer(argc, argv, nabla::apps::ModelKind::cnn, {.epochs = 6, .lr = 0.01f});
}
