// nn::accuracy and nn::count_correct (layers/accuracy.h).
#include <catch2/catch.hpp>
#include <nabla.h>

#include <vector>

using namespace nabla;
using Catch::Matchers::Contains;

namespace {

// Returns its input as logits and records the mode and grad mode it ran in.
class Probe : public nn::Module {
public:
    Tensor forward(const Tensor& x) override {
        ran_training = is_training();
        ran_with_grad = is_grad_enabled();
        return x;
    }
    std::string name() const override { return "Probe"; }
    bool ran_training = true, ran_with_grad = true;
};

}  // namespace

TEST_CASE("count_correct counts rows whose largest logit sits at the label", "[layers][accuracy]") {
    const Tensor logits = from_vector({0.1f, 0.9f, 0.0f,  //
                                       2.0f, 1.0f, 0.5f,  //
                                       0.0f, 0.0f, 3.0f,  //
                                       1.0f, 5.0f, 2.0f},
                                      {4, 3});
    CHECK(nn::count_correct(logits, from_vector({1, 0, 2, 1}, {4})) == 4);
    CHECK(nn::count_correct(logits, from_vector({0, 0, 1, 1}, {4})) == 2);
    CHECK_THROWS_WITH(nn::count_correct(logits, from_vector({1, 0}, {2})),
                      Contains("count_correct") && Contains("[4, 3]") && Contains("[2]"));
}

TEST_CASE("accuracy runs over any range of batches in eval mode without a tape and restores the mode",
          "[layers][accuracy]") {
    Probe probe;
    probe.train();
    // Two batches: 2 of 2 right, then 1 of 3 right.
    const std::vector<data::Batch> batches{
        {from_vector({1, 0, 0, 1}, {2, 2}), from_vector({0, 1}, {2})},
        {from_vector({1, 0, 1, 0, 0, 1}, {3, 2}), from_vector({0, 1, 0}, {3})}};
    CHECK(nn::accuracy(probe, batches) == Approx(3.0 / 5.0));
    CHECK_FALSE(probe.ran_training);
    CHECK_FALSE(probe.ran_with_grad);
    CHECK(probe.is_training());

    // A DataLoader, passed as a temporary, and a model in eval mode stays there.
    data::TensorDataset dataset(from_vector({1, 0, 0, 1, 1, 0}, {3, 2}), from_vector({0, 1, 1}, {3}));
    probe.eval();
    CHECK(nn::accuracy(probe, data::DataLoader(dataset, {.batch_size = 2})) == Approx(2.0 / 3.0));
    CHECK_FALSE(probe.is_training());

    CHECK_THROWS_WITH(nn::accuracy(probe, std::vector<data::Batch>{}), Contains("no samples"));
}
