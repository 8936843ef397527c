#include "apps/shared/progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace nabla::apps {

namespace {

// Set by SIGWINCH; the next redraw reads the new width.
std::atomic<bool> g_resized{false};
extern "C" void on_sigwinch(int) { g_resized = true; }

void watch_window_size() {
    static const bool installed = [] {
        struct sigaction sa {};
        sa.sa_handler = on_sigwinch;
        sa.sa_flags = SA_RESTART;  // a resize must not make a read or write fail with EINTR
        sigemptyset(&sa.sa_mask);
        return ::sigaction(SIGWINCH, &sa, nullptr) == 0;
    }();
    (void)installed;
}

constexpr int kMinBar = 10, kMaxBar = 30;

}  // namespace

std::string format_progress_line(const ProgressLine& p, int width) {
    if (width < 1) return "";
    // Padded to their usual widths, so the line neither jitters nor changes layout as the
    // numbers grow.
    const int digits = int(fmt::format("{}", p.total).size());
    const std::string count = fmt::format(" {:>{}}/{}", p.done, digits, p.total);
    const std::string loss = fmt::format(" loss {:.4f}", p.loss);
    const std::string acc = fmt::format(" acc {:6.2f}%", 100.0 * p.accuracy);
    const std::string rate = fmt::format(" {:6.0f} samples/s", p.samples_per_s);
    const std::string eta = fmt::format(" ETA {:4.0f}s", p.eta_s);
    const int label_width = int(p.label.size());
    // The optional parts, in the order they are given up as the width shrinks.
    enum Part { kRate, kBar, kEta, kAcc, kLoss, kParts };
    for (int dropped = 0; dropped <= kParts; ++dropped) {
        const auto kept = [&](Part part) { return part >= dropped; };
        const std::string tail = count + (kept(kLoss) ? loss : "") + (kept(kAcc) ? acc : "") +
                                 (kept(kRate) ? rate : "") + (kept(kEta) ? eta : "");
        const int room = width - label_width - int(tail.size());
        if (kept(kBar)) {
            const int bar_width = std::min(room - 3, kMaxBar);  // " [" and "]"
            if (bar_width < kMinBar) continue;
            const int filled = p.total > 0
                                   ? int(std::clamp<std::int64_t>(bar_width * p.done / p.total, 0, bar_width))
                                   : bar_width;
            return p.label + " [" + std::string(size_t(filled), '#') +
                   std::string(size_t(bar_width - filled), '.') + "]" + tail;
        }
        if (room >= 0) return p.label + tail;
    }
    // Not even the label and the count fit: cut the label (it comes first), then the line.
    const int room = width - int(count.size());
    if (room >= 4) return p.label.substr(0, size_t(room - 3)) + "..." + count;
    const std::string line = p.label + count;
    return line.substr(line.size() - size_t(std::min<std::int64_t>(width, std::ssize(line))));
}

int terminal_width() {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    if (const char* columns = std::getenv("COLUMNS")) {
        const int c = std::atoi(columns);
        if (c > 0) return c;
    }
    return 80;
}

Progress::Progress(std::string label, std::int64_t total_steps, bool quiet, std::int64_t plain_every,
                   std::int64_t first_done)
    : label_(std::move(label)),
      total_(total_steps),
      quiet_(quiet),
      tty_(isatty(fileno(stdout)) != 0),
      plain_every_(plain_every),
      first_done_(first_done),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
    if (tty_ && !quiet_) {
        watch_window_size();
        width_ = terminal_width();
    }
}

void Progress::update(std::int64_t done, double loss, double accuracy, double samples_per_s) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const std::int64_t here = done - first_done_;
    const double eta = here > 0 ? elapsed / double(here) * double(total_ - done) : 0.0;
    if (tty_) {
        // Redraw at most 10 times a second, and always on the last step.
        if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
        last_draw_ = now;
        if (g_resized.exchange(false)) width_ = terminal_width();
        // One column spare: a line that fills the last column wraps on some terminals.
        // "\x1b[K" clears what a longer previous line left to the right.
        const std::string line = format_progress_line(
            {label_, done, total_, loss, accuracy, samples_per_s, eta}, std::max(width_ - 1, 1));
        fmt::print("\r{}\x1b[K", line);
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
