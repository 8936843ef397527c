#include "apps/trainer/metrics.h"

#include <nlohmann/json.hpp>

namespace nabla::apps {

MetricsWriter::MetricsWriter(const std::string& path) {
    if (path.empty()) return;
    out_.emplace(path, "metrics");
}

void MetricsWriter::step(std::int64_t step, int epoch, double loss, double accuracy, double lr,
                         double samples_per_s) {
    if (!out_) return;
    const nlohmann::json j{{"type", "step"},
                           {"step", step},
                           {"epoch", epoch},
                           {"loss", loss},
                           {"accuracy", accuracy},
                           {"lr", lr},
                           {"samples_per_s", samples_per_s}};
    out_->append(j.dump() + '\n');
}

void MetricsWriter::epoch(int epoch, std::int64_t step, double train_loss, double test_loss,
                          double test_accuracy, double lr, double samples_per_s, double seconds) {
    if (!out_) return;
    const nlohmann::json j{{"type", "epoch"},
                           {"epoch", epoch},
                           {"step", step},
                           {"loss", train_loss},
                           {"test_loss", test_loss},
                           {"accuracy", test_accuracy},
                           {"lr", lr},
                           {"samples_per_s", samples_per_s},
                           {"seconds", seconds}};
    out_->append(j.dump() + '\n');
}

}  // namespace nabla::apps
