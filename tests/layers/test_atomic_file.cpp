#include "support/files.h"

#include <catch2/catch.hpp>
#include <nabla.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace nabla;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Makes every write past `bytes` of a file fail with EFBIG, as a full disk would fail it,
// for the lifetime of the guard.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
        saved_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
        rlimit limited = saved_;
        limited.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, saved_handler_);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
    rlimit saved_{};
    void (*saved_handler_)(int) = SIG_DFL;
};

}  // namespace

TEST_CASE("write_file_atomic writes the content and leaves no temporary behind", "[layers][atomic_file]") {
    test::TempDir dir;
    const std::string path = dir.file("out.bin");
    const std::string first("first\0with a NUL byte\n", 22);
    write_file_atomic(path, first);
    CHECK(read_text(path) == first);
    CHECK(dir.names() == std::vector<std::string>{"out.bin"});

    // Replacing an existing file, with content larger than any single small buffer.
    const std::string second(1 << 20, 'x');
    write_file_atomic(path, second);
    CHECK(read_text(path) == second);
    CHECK(dir.names() == std::vector<std::string>{"out.bin"});

    write_file_atomic(path, "");
    CHECK(fs::file_size(path) == 0);
}

TEST_CASE("write_file_atomic into a missing folder throws naming the path and the reason",
          "[layers][atomic_file]") {
    test::TempDir dir;
    const std::string path = dir.file("no/such/folder/report.md");
    CHECK_THROWS_WITH(write_file_atomic(path, "text", "report"),
                      Contains("report: ") && Contains(path) && Contains("No such file or directory"));
    CHECK(dir.names().empty());
}

TEST_CASE("a write that fails midway keeps the old file and removes the temporary", "[layers][atomic_file]") {
    test::TempDir dir;
    const std::string path = dir.file("checkpoint");
    write_file_atomic(path, "the old content");
    {
        const FileSizeLimit limit(64);
        CHECK_THROWS_WITH(write_file_atomic(path, std::string(4096, 'n')),
                          Contains(path) && Contains("File too large"));
    }
    CHECK(read_text(path) == "the old content");
    CHECK(dir.names() == std::vector<std::string>{"checkpoint"});
}

TEST_CASE("a rename that fails keeps what was at the target and removes the temporary",
          "[layers][atomic_file]") {
    // A non-empty folder at the target: the temporary is written in full, the rename fails.
    test::TempDir dir;
    const std::string path = dir.file("occupied");
    fs::create_directory(path);
    write_file_atomic(dir.file("occupied/keep"), "kept");
    CHECK_THROWS_WITH(write_file_atomic(path, "new"), Contains("cannot rename") && Contains(path));
    CHECK(read_text(dir.file("occupied/keep")) == "kept");
    CHECK(dir.names() == std::vector<std::string>{"occupied"});
}

TEST_CASE("an AtomicFile abandoned before commit leaves the target untouched", "[layers][atomic_file]") {
    // What happens when the code producing the bytes throws halfway.
    test::TempDir dir;
    const std::string path = dir.file("model.safetensors");
    write_file_atomic(path, "complete old file");
    try {
        AtomicFile file(path);
        file.write("half of a new fi");
        CHECK(fs::exists(file.temp_path()));
        throw std::runtime_error("the producer failed");
    } catch (const std::runtime_error&) {
    }
    CHECK(read_text(path) == "complete old file");
    CHECK(dir.names() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("concurrent writes of one path use distinct temporaries in the target's folder",
          "[layers][atomic_file]") {
    test::TempDir dir;
    const std::string path = dir.file("report.html");
    AtomicFile a(path), b(path);
    CHECK(a.temp_path() != b.temp_path());
    CHECK(fs::path(a.temp_path()).parent_path() == fs::path(path).parent_path());
    a.write("from a");
    b.write("from b");
    b.commit();
    CHECK(read_text(path) == "from b");
    a.commit();  // the last rename wins, whole
    CHECK(read_text(path) == "from a");
    CHECK(dir.names() == std::vector<std::string>{"report.html"});
    CHECK_THROWS_WITH(a.commit(), Contains("committed twice"));
}

TEST_CASE("AppendFile appends whole records and names the path when it cannot open",
          "[layers][atomic_file]") {
    test::TempDir dir;
    const std::string path = dir.file("metrics.jsonl");
    write_file_atomic(path, "{\"earlier\":1}\n");
    {
        AppendFile log(path);
        log.append("{\"step\":1}\n");
        log.append("{\"step\":2}\n");
    }
    AppendFile(path).append("{\"step\":3}\n");
    CHECK(read_text(path) == "{\"earlier\":1}\n{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n");

    const std::string missing = dir.file("gone/metrics.jsonl");
    CHECK_THROWS_WITH(AppendFile(missing, "metrics"),
                      Contains("metrics: ") && Contains(missing) && Contains("No such file or directory"));
}

TEST_CASE("check_writable and check_appendable accept a writable path and leave no file behind",
          "[layers][atomic_file]") {
    test::TempDir dir;
    CHECK_NOTHROW(check_writable(dir.file("new.safetensors"), "--save"));
    CHECK_NOTHROW(check_appendable(dir.file("new.jsonl"), "--metrics"));
    CHECK(dir.names().empty());
    // An existing file may be replaced or appended to; neither check touches it.
    write_file_atomic(dir.file("old.jsonl"), "line\n");
    CHECK_NOTHROW(check_writable(dir.file("old.jsonl"), "--save"));
    CHECK_NOTHROW(check_appendable(dir.file("old.jsonl"), "--metrics"));
    CHECK(dir.names() == std::vector<std::string>{"old.jsonl"});
    CHECK(read_text(dir.file("old.jsonl")) == "line\n");
}

TEST_CASE("check_writable and check_appendable name the path, a missing folder and a folder given as a file",
          "[layers][atomic_file]") {
    test::TempDir dir;
    const std::string missing = dir.file("no/such/c.safetensors");
    CHECK_THROWS_WITH(check_writable(missing, "--save"),
                      Catch::StartsWith("--save: cannot write '" + missing + "'") &&
                          Contains("its folder '" + dir.file("no/such") + "' does not exist"));
    CHECK_THROWS_WITH(check_appendable(missing, "--metrics"),
                      Catch::StartsWith("--metrics: ") && Contains("does not exist"));
    fs::create_directory(dir.file("sub"));
    CHECK_THROWS_WITH(check_writable(dir.file("sub"), "--save"),
                      Contains("'" + dir.file("sub") + "': it is a folder"));
    CHECK_THROWS_WITH(check_appendable(dir.file("sub"), "--metrics"), Contains("it is a folder"));
    CHECK_THROWS_WITH(check_writable("", "--save"), Contains("empty file path"));
    CHECK(dir.names() == std::vector<std::string>{"sub"});
}
