#include "apps/trainer/job.h"

#include <cstdio>
#include <thread>

namespace nabla::apps {

Job current_job() { return {dist::rank(), dist::world_size()}; }

void quiet_followers(const Job& job) {
    if (job.leader()) return;
    NABLA_CHECK(std::freopen("/dev/null", "w", stdout) != nullptr, "mpirun",
                "rank {} could not send its standard output to /dev/null", job.rank);
}

void check_same_flags(int argc, const char* const* argv) {
    std::string line;
    for (int i = 1; i < argc; ++i) line += fmt::format("{}{}", i > 1 ? " " : "", argv[i]);
    const std::vector<std::string> lines = dist::all_gather_text(line);
    std::string differ;
    for (std::size_t r = 1; r < lines.size(); ++r)
        if (lines[r] != lines[0]) differ += fmt::format("; rank {} ran '{}'", r, lines[r]);
    if (differ.empty()) return;
    throw dist::EveryRankError(
        "mpirun", fmt::format("every rank must run the same flags: rank 0 ran '{}'{}", lines[0], differ));
}

int default_threads(const Job& job) {
    if (job.size == 1) return 0;
    const int cores = int(std::thread::hardware_concurrency());
    return std::max(1, cores / std::max(1, dist::local_size()));
}

Evaluation combine_over_ranks(const Evaluation& mine) {
    if (dist::world_size() == 1) return mine;
    // Float sums: the correct count and the image count are exact up to 2^24 images.
    Tensor sums = from_vector(
        {float(mine.loss * double(mine.count)), float(mine.accuracy * double(mine.count)), float(mine.count)},
        {3});
    dist::all_reduce(sums);
    Evaluation all;
    all.count = std::int64_t(sums.data()[2]);
    all.loss = all.count ? double(sums.data()[0]) / double(all.count) : 0.0;
    all.accuracy = all.count ? std::round(double(sums.data()[1])) / double(all.count) : 0.0;
    return all;
}

StepSums sum_over_ranks(StepSums mine) {
    if (dist::world_size() == 1) return mine;
    Tensor sums = from_vector({float(mine.loss_sum), float(mine.correct), float(mine.count)}, {3});
    dist::all_reduce(sums);
    return {double(sums.data()[0]), std::int64_t(sums.data()[1]), std::int64_t(sums.data()[2])};
}

void broadcast_buffers(nn::Module& model) {
    if (dist::world_size() == 1) return;
    NoGradGuard no_grad;
    for (Tensor& t : model.buffers()) dist::broadcast(t, 0);
}

}  // namespace nabla::apps
