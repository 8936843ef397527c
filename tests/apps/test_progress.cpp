// The trainers' progress line (apps/shared/progress.h): it fits the width it is given.
#include "apps/shared/progress.h"

#include <catch2/catch.hpp>

#include <string>

using namespace nabla::apps;

namespace {

ProgressLine a_line() {
    return {.label = "cnn_bn epoch 1/6",
            .done = 37,
            .total = 937,
            .loss = 0.1234,
            .accuracy = 0.9712,
            .samples_per_s = 4823,
            .eta_s = 125};
}

}  // namespace

TEST_CASE("the progress line never exceeds its width, whatever the width", "[apps][progress]") {
    for (int width = 0; width <= 200; ++width) {
        INFO("width " << width);
        const std::string line = format_progress_line(a_line(), width);
        REQUIRE(int(line.size()) <= width);
        REQUIRE(line.empty() == (width == 0));
        // The count is the last part given up: it stays while it fits.
        if (width >= 8) REQUIRE(line.find("  37/937") != std::string::npos);
    }
}

TEST_CASE("the progress line gives up its least useful parts first as the width shrinks",
          "[apps][progress]") {
    const ProgressLine p = a_line();
    // The numbers are padded to fixed widths, so the layout holds still as they change.
    const std::string tail = "  37/937 loss 0.1234 acc  97.12%   4823 samples/s ETA  125s";
    CHECK(format_progress_line(p, 200) == "cnn_bn epoch 1/6 [#" + std::string(29, '.') + "]" + tail);
    // 79 columns (what Progress uses of 80): the rate goes, a shorter bar stays.
    CHECK(format_progress_line(p, 79) ==
          "cnn_bn epoch 1/6 [" + std::string(18, '.') + "]  37/937 loss 0.1234 acc  97.12% ETA  125s");
    // Narrower: the bar goes, then the ETA, then the accuracy, then the loss.
    CHECK(format_progress_line(p, 50) == "cnn_bn epoch 1/6  37/937 loss 0.1234 acc  97.12%");
    CHECK(format_progress_line(p, 36) == "cnn_bn epoch 1/6  37/937 loss 0.1234");
    CHECK(format_progress_line(p, 24) == "cnn_bn epoch 1/6  37/937");
    // Then the label is cut, and at last the line keeps its end.
    CHECK(format_progress_line(p, 18) == "cnn_bn ...  37/937");
    CHECK(format_progress_line(p, 5) == "7/937");
}

TEST_CASE("the progress bar fills with the steps done", "[apps][progress]") {
    ProgressLine p = a_line();
    p.done = 0;
    CHECK(format_progress_line(p, 120).find("[" + std::string(30, '.') + "]") != std::string::npos);
    p.done = p.total;
    CHECK(format_progress_line(p, 120).find("[" + std::string(30, '#') + "] 937/937") != std::string::npos);
}
