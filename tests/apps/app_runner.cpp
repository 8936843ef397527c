#include "apps/app_runner.h"

#include "data/idx_files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace nabla::test {

std::string mnist_mlp_path() { return NABLA_MNIST_MLP; }
std::string mnist_cnn_path() { return NABLA_MNIST_CNN; }
std::string mnist_resnet_path() { return NABLA_MNIST_RESNET; }
std::string bn_compare_path() { return NABLA_BN_COMPARE; }

std::string AppResult::describe() const {
    std::string how = timed_out ? "timed out"
                      : exited  ? fmt::format("exited with {}", exit_code)
                                : fmt::format("killed by signal {}", signal);
    return fmt::format("{}\n--- stdout ---\n{}\n--- stderr ---\n{}", how, out, err);
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

AppProcess::AppProcess(const std::string& binary, const std::vector<std::string>& args,
                       const std::filesystem::path& dir) {
    static int counter = 0;
    ++counter;
    out_path_ = dir / fmt::format("stdout-{}.txt", counter);
    err_path_ = dir / fmt::format("stderr-{}.txt", counter);
    // Everything the child needs is prepared before fork(): it only calls async-signal-safe functions.
    std::vector<std::string> argv_s{binary};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0 || err_fd < 0)
        throw std::runtime_error("AppProcess: cannot create output files in " + dir.string());
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(out_fd, STDOUT_FILENO);
        ::dup2(err_fd, STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out_fd);
    ::close(err_fd);
    if (pid_ < 0) throw std::runtime_error("AppProcess: fork failed");
}

AppProcess::~AppProcess() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
    }
}

bool AppProcess::running() {
    if (reaped_) return false;
    const int r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) reaped_ = true;
    return !reaped_;
}

void AppProcess::kill_now(int signal) {
    if (!reaped_) ::kill(pid_, signal);
}

AppResult AppProcess::wait(std::chrono::seconds timeout) {
    AppResult r;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status_, 0);
            reaped_ = true;
            r.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    r.exited = !r.timed_out && WIFEXITED(status_);
    r.exit_code = r.exited ? WEXITSTATUS(status_) : -1;
    r.signal = WIFSIGNALED(status_) ? WTERMSIG(status_) : 0;
    r.out = read_text(out_path_);
    r.err = read_text(err_path_);
    return r;
}

AppResult run_app(const std::string& binary, const std::vector<std::string>& args,
                  std::chrono::seconds timeout) {
    TempDir scratch;
    AppProcess p(binary, args, scratch.path());
    return p.wait(timeout);
}

namespace {
void write_split(const std::filesystem::path& images_path, const std::filesystem::path& labels_path,
                 int count, std::mt19937& rng) {
    constexpr int kSide = 28, kBlock = 6;
    std::uniform_int_distribution<int> noise(0, 70), bright(180, 255), jitter(-1, 1);
    Bytes pixels(static_cast<size_t>(count) * kSide * kSide), labels(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        const int label = static_cast<int>(rng() % 10);
        labels[size_t(i)] = static_cast<std::uint8_t>(label);
        std::uint8_t* img = pixels.data() + static_cast<size_t>(i) * kSide * kSide;
        for (int p = 0; p < kSide * kSide; ++p) img[p] = static_cast<std::uint8_t>(noise(rng));
        // Grid cell of the class: rows {3, 16}, columns {1, 6, 11, 16, 21}, then +-1 pixel.
        const int top = (label / 5 == 0 ? 3 : 16) + jitter(rng);
        const int left = 1 + 5 * (label % 5) + jitter(rng) + 1;
        for (int y = top; y < top + kBlock; ++y)
            for (int x = left; x < left + kBlock && x < kSide; ++x)
                img[y * kSide + x] = static_cast<std::uint8_t>(bright(rng));
    }
    write_file(images_path, idx_images(static_cast<std::uint32_t>(count), kSide, kSide, pixels));
    write_file(labels_path, idx_labels(labels));
}
}  // namespace

void write_tiny_mnist(const std::filesystem::path& dir, int train_count, int test_count, unsigned seed) {
    std::filesystem::create_directories(dir);
    std::mt19937 rng(seed);
    write_split(dir / "train-images-idx3-ubyte", dir / "train-labels-idx1-ubyte", train_count, rng);
    write_split(dir / "t10k-images-idx3-ubyte", dir / "t10k-labels-idx1-ubyte", test_count, rng);
}

}  // namespace nabla::test
