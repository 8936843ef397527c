#pragma once
// Dropout: in training, zeroes each element with probability p and scales the rest by
// 1/(1-p) (inverted dropout, so eval needs no rescaling); in eval, the identity. The
// mask is drawn from the global generator, so a seeded run drops the same elements.
#include "layers/module.h"

namespace nabla::nn {

struct DropoutOptions {
    float p = 0.5f;
};

class Dropout : public Module {
public:
    explicit Dropout(const DropoutOptions& options = {});
    Tensor forward(const Tensor& x) override;
    std::string name() const override { return "Dropout"; }
    std::string extra_repr() const override;

private:
    DropoutOptions options_;
};

}  // namespace nabla::nn
