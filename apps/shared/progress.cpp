#include "apps/shared/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace nabla::apps {

Progress::Progress(std::string label, std::int64_t total_steps, bool quiet, std::int64_t plain_every)
    : label_(std::move(label)),
      total_(total_steps),
      quiet_(quiet),
      tty_(isatty(fileno(stdout)) != 0),
      plain_every_(plain_every),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void Progress::update(std::int64_t done, double loss, double accuracy, double samples_per_s) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = done > 0 ? elapsed / double(done) * double(total_ - done) : 0.0;
    if (tty_) {
        // Redraw at most 10 times a second, and always on the last step.
        if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
        last_draw_ = now;
        constexpr int kWidth = 24;
        const int filled = total_ > 0 ? int(kWidth * done / total_) : kWidth;
        fmt::print("\r{} [{}{}] {}/{} loss {:.4f} acc {:.2f}% {:.0f} samples/s ETA {:.0f}s  ", label_,
                   std::string(size_t(filled), '#'), std::string(size_t(kWidth - filled), '.'), done, total_,
                   loss, 100.0 * accuracy, samples_per_s, eta);
        std::fflush(stdout);
        drawn_ = true;
    } else if (done % plain_every_ == 0 || done == total_) {
        fmt::print("{} {}/{} loss {:.4f} acc {:.2f}% {:.0f} samples/s ETA {:.0f}s\n", label_, done, total_,
                   loss, 100.0 * accuracy, samples_per_s, eta);
        std::fflush(stdout);
    }
}

void Progress::finish() {
    if (drawn_) fmt::print("\n");
    drawn_ = false;
}

}  // namespace nabla::apps
