#pragma once
// --metrics PATH: one JSON object per line, appended, for logged steps and epochs.
#include <nabla.h>

#include <cstdint>
#include <optional>
#include <string>

namespace nabla::apps {

class MetricsWriter {
public:
    explicit MetricsWriter(const std::string& path);  // empty path: writes nothing
    void step(std::int64_t step, int epoch, double loss, double accuracy, double lr, double samples_per_s);
    // accuracy is the test accuracy; samples_per_s the epoch's training throughput.
    void epoch(int epoch, std::int64_t step, double train_loss, double test_loss, double test_accuracy,
               double lr, double samples_per_s, double seconds);

private:
    std::optional<AppendFile> out_;  // one write per line: a reader never sees half of one
};

}  // namespace nabla::apps
