#include "apps/study/study_progress.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

namespace nabla::apps {

std::string format_duration(double s) {
    if (s < 60) return fmt::format("{:.0f} s", s);
    const auto total = std::int64_t(std::lround(s));
    if (total < 3600) return fmt::format("{} min {:02} s", total / 60, total % 60);
    return fmt::format("{} h {:02} min", total / 3600, (total % 3600) / 60);
}

StudyProgress::StudyProgress(int runs, double total_cost, bool quiet)
    : runs_(runs), remaining_cost_(total_cost), quiet_(quiet) {}

void StudyProgress::skipped(double cost) {
    ++done_;
    ++skipped_;
    remaining_cost_ -= cost;
}

void StudyProgress::finished(const std::string& label, double cost, double seconds,
                             const std::string& result) {
    ++done_;
    remaining_cost_ -= cost;
    timed_cost_ += cost;
    timed_seconds_ += seconds;
    if (quiet_) return;
    const double left = timed_cost_ > 0 ? std::max(0.0, remaining_cost_) * timed_seconds_ / timed_cost_ : 0.0;
    fmt::print("[{:>{}}/{}] {}: {} in {:.1f} s; about {} left\n", done_, fmt::formatted_size("{}", runs_),
               runs_, label, result, seconds, format_duration(left));
    std::fflush(stdout);
}

}  // namespace nabla::apps
