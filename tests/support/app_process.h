#pragma once
// Running the built trainers and bn_compare from tests: a child process with its
// output captured, a deadline (a hang fails the test instead of stalling ctest), and
// how it ended (exit code, or the signal that killed it).
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace nabla::test {

// Paths of the app binaries, set by CMake from $<TARGET_FILE:...>.
std::string mnist_mlp_path();
std::string mnist_cnn_path();
std::string mnist_resnet_path();
std::string bn_compare_path();
std::string readme_example_path();  // the README's training script, compiled
std::string mpiexec_path();         // OpenMPI's mpirun, as CMake's FindMPI found it

struct AppResult {
    bool exited = false;     // ended through exit() or return from main
    int exit_code = -1;      // when exited
    int signal = 0;          // the signal that ended it, 0 if none
    bool timed_out = false;  // killed by the deadline
    std::string out, err;    // its stdout and stderr
    std::string all() const { return out + err; }
    // For INFO(): how it ended and what it printed.
    std::string describe() const;
};

// A child process of `binary` with `args`; its stdout and stderr go to files in `dir`. It
// runs in `cwd` when one is given, else in the current directory.
class AppProcess {
public:
    AppProcess(const std::string& binary, const std::vector<std::string>& args,
               const std::filesystem::path& dir, const std::filesystem::path& cwd = {});
    ~AppProcess();  // kills a child still running
    AppProcess(const AppProcess&) = delete;
    AppProcess& operator=(const AppProcess&) = delete;

    int pid() const { return pid_; }
    bool running();                                // false once it has ended (and was reaped)
    void kill_now(int signal);                     // sends `signal`
    AppResult wait(std::chrono::seconds timeout);  // reaps it; SIGKILL at the deadline

private:
    int pid_ = -1;
    bool reaped_ = false;
    int status_ = 0;
    std::filesystem::path out_path_, err_path_;
};

// The default deadline guards against a hang; it is no time limit. A loaded 2-core CI
// machine (ctest -j2, or the sanitizer build) took 60 s over six epochs of mnist_resnet on
// the tiny data set, which a 60 s deadline failed.
inline constexpr std::chrono::seconds kAppDeadline{300};

// Runs to completion (or the deadline) with its output in a scratch directory.
AppResult run_app(const std::string& binary, const std::vector<std::string>& args,
                  std::chrono::seconds timeout = kAppDeadline);
// The same, run in `cwd` (for a program that writes into its working directory).
AppResult run_app_in(const std::filesystem::path& cwd, const std::string& binary,
                     const std::vector<std::string>& args, std::chrono::seconds timeout = kAppDeadline);

}  // namespace nabla::test
