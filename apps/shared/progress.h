#pragma once
// Training progress: a one-line bar redrawn in place on a terminal, plain periodic
// lines when the output is a file or a pipe, nothing when quiet.
#include <chrono>
#include <cstdint>
#include <string>

namespace nabla::apps {

class Progress {
public:
    Progress(std::string label, std::int64_t total_steps, bool quiet, std::int64_t plain_every = 100);
    // Called after each batch with the running means of the epoch so far.
    void update(std::int64_t done, double loss, double accuracy, double samples_per_s);
    void finish();  // ends the bar's line

private:
    std::string label_;
    std::int64_t total_;
    bool quiet_, tty_;
    std::int64_t plain_every_;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool drawn_ = false;
};

}  // namespace nabla::apps
