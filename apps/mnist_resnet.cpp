// Trains a small ResNet (layers/resnet.h) on MNIST or Fashion-MNIST: a 3x3 stem, three
// stages of BasicBlocks at 16, 32 and 64 channels, global average pooling, a linear
// classifier. --no-bn drops BatchNorm, --plain drops the skip connections.
//   build/apps/mnist_resnet                # ResNet-8 with BN, 10 epochs: 99.50-99.51% test accuracy
//                                          # (seeds 0-2), about 50 s an epoch on 2 cores
//   build/apps/mnist_resnet --dataset fashion-mnist
//   build/apps/mnist_resnet --depth 20 --plain --no-bn
// Flags: build/apps/mnist_resnet --help
#include "apps/trainer/run_trainer.h"

int main(int argc, char** argv) {
    return nabla::apps::run_trainer(
        argc, argv, nabla::apps::ModelKind::resnet,
        {.epochs = 10, .lr = 0.1f, .bn = true, .batch_size = 128, .weight_decay = 5e-4f, .depth = 8});
}
