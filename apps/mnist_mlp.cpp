// Trains the MNIST MLP (784-256-256-10, ReLU), with or without BatchNorm.
//   build/apps/mnist_mlp --bn       # reaches >= 98.2% test accuracy with the defaults
//   build/apps/mnist_mlp --no-bn    # reaches >= 98.0%
// Flags: build/apps/mnist_mlp --help
#include "apps/trainer/run_trainer.h"

int main(int argc, char** argv) {
    return nabla::apps::run_trainer(argc, argv, nabla::apps::ModelKind::mlp, {.epochs = 15, .lr = 0.01f});
}
