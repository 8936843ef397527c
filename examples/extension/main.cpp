// Checks the extension the way a user of the installed nabla would: gradcheck of the op
// and of the layer, then a small regression trained with the layer inside a Sequential.
// Prints what it found and exits 1 when a check fails (the test suite builds and runs it
// against the installed package: tests/install/run.sh).
#include "softplus.h"

#include <iostream>

using namespace nabla;

int main() {
    try {
        manual_seed(0);
        // The op's backward against central differences (gradcheck, autograd/gradcheck.h).
        const GradcheckResult op =
            gradcheck([](const std::vector<Tensor>& in) { return myext::softplus(in[0]); },
                      {randn({4, 5}, 0.0f, 3.0f).requires_grad_()});
        std::cout << "gradcheck softplus: " << (op.ok ? "ok" : op.report) << "\n";

        // The layer, for its input and each parameter: gradcheck perturbs them in place.
        // The parameters are moved off their ones and zeros first, so every term counts
        // (copy_ writes in place and is not recorded on the tape).
        myext::ScaledSoftplus layer(5);
        layer.scale().copy_(rand({5}, 0.5f, 1.5f));
        layer.shift().copy_(rand({5}, -1.0f, 1.0f));
        std::vector<Tensor> inputs{randn({4, 5}).requires_grad_()};
        for (const Tensor& p : layer.parameters()) inputs.push_back(p);
        const GradcheckResult composed =
            gradcheck([&](const std::vector<Tensor>& in) { return layer(in[0]); }, inputs);
        std::cout << "gradcheck ScaledSoftplus: " << (composed.ok ? "ok" : composed.report) << "\n";

        // Train y = x0 - 2 x1 + 0.5 x2 through it, like any other layer.
        nn::Sequential net(nn::Linear({.in = 3, .out = 8}), myext::ScaledSoftplus(8),
                           nn::Linear({.in = 8, .out = 1}));
        optim::SGD opt(net.parameters(), {.lr = 0.05});
        const Tensor x = randn({64, 3});
        const Tensor y = matmul(x, from_vector({1.0f, -2.0f, 0.5f}, {3, 1}));
        const float first = nn::mse_loss(net(x), y).item();
        for (int step = 0; step < 100; ++step) {
            const Tensor loss = nn::mse_loss(net(x), y);
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
        const float last = nn::mse_loss(net(x), y).item();
        std::cout << net << "\nloss " << first << " -> " << last << "\n";
        return op.ok && composed.ok && last < 0.2f * first ? 0 : 1;
    } catch (const Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
