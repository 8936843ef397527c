#include "support/app_process.h"

#include "support/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <thread>

namespace nabla::test {

std::string mnist_mlp_path() { return NABLA_MNIST_MLP; }
std::string mnist_cnn_path() { return NABLA_MNIST_CNN; }
std::string mnist_resnet_path() { return NABLA_MNIST_RESNET; }
std::string bn_compare_path() { return NABLA_BN_COMPARE; }
std::string readme_example_path() { return NABLA_README_EXAMPLE; }
std::string mpiexec_path() { return NABLA_MPIEXEC; }

std::string AppResult::describe() const {
    std::string how = timed_out ? "timed out"
                      : exited  ? fmt::format("exited with {}", exit_code)
                                : fmt::format("killed by signal {}", signal);
    return fmt::format("{}\n--- stdout ---\n{}\n--- stderr ---\n{}", how, out, err);
}

AppProcess::AppProcess(const std::string& binary, const std::vector<std::string>& args,
                       const std::filesystem::path& dir, const std::filesystem::path& cwd) {
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
    const std::string cwd_s = cwd.string();
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(out_fd, STDOUT_FILENO);
        ::dup2(err_fd, STDERR_FILENO);
        if (!cwd_s.empty() && ::chdir(cwd_s.c_str()) != 0) ::_exit(126);
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

AppResult run_app_in(const std::filesystem::path& cwd, const std::string& binary,
                     const std::vector<std::string>& args, std::chrono::seconds timeout) {
    TempDir scratch;
    AppProcess p(binary, args, scratch.path(), cwd);
    return p.wait(timeout);
}

}  // namespace nabla::test
