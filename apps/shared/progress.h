#pragma once
// Training progress: a one-line bar redrawn in place on a terminal, plain periodic
// lines when the output is a file or a pipe, nothing when quiet.
//
// On a terminal the line always fits: its width is read at the start and again after
// each SIGWINCH (a resized window), and format_progress_line() drops the least useful
// parts first rather than let the line wrap, which would leave a stale half-line behind
// at every redraw.
#include <chrono>
#include <cstdint>
#include <string>

namespace nabla::apps {

// What one progress line shows.
struct ProgressLine {
    std::string label;  // "cnn_bn epoch 1/6"
    std::int64_t done = 0, total = 0;
    double loss = 0.0, accuracy = 0.0, samples_per_s = 0.0, eta_s = 0.0;
};

// The line in at most `width` columns (all of it ASCII, so one byte per column). The
// parts go in this order as the width shrinks: the rate, the bar (kept 10 to 30 wide
// while it fits), the ETA, the accuracy, the loss; then the label is cut, and in a very
// narrow terminal the line itself. Empty when width < 1.
std::string format_progress_line(const ProgressLine& p, int width);

// The width of the terminal on stdout in columns: the window size, else $COLUMNS, else 80.
int terminal_width();

class Progress {
public:
    // `first_done` steps were done before this run (a resumed epoch): the ETA and the
    // rate count from there.
    Progress(std::string label, std::int64_t total_steps, bool quiet, std::int64_t plain_every = 100,
             std::int64_t first_done = 0);
    // Called after each batch with the running means of the epoch so far.
    void update(std::int64_t done, double loss, double accuracy, double samples_per_s);
    void finish();  // ends the bar's line

private:
    std::string label_;
    std::int64_t total_;
    bool quiet_, tty_;
    std::int64_t plain_every_, first_done_;
    int width_ = 80;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool drawn_ = false;
};

}  // namespace nabla::apps
