#include "layers/atomic_file.h"

#include "core/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace nabla {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Distinguishes the temporaries of one process; the pid distinguishes processes.
std::atomic<unsigned long> g_write_count{0};

std::string folder_of(const std::string& path) {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    return dir.empty() ? "." : dir;
}

}  // namespace

AtomicFile::AtomicFile(std::string path, std::string op)
    : path_(std::move(path)),
      temp_(fmt::format("{}.tmp.{}.{}", path_, ::getpid(), g_write_count.fetch_add(1))),
      op_(std::move(op)) {
    // O_EXCL: a stale temporary of a crashed process with a reused pid is never written into.
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    NABLA_CHECK(fd_ >= 0, op_, "cannot create temporary file '{}' for '{}': {}", temp_, path_,
                errno_text(errno));
}

AtomicFile::~AtomicFile() {
    if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t bytes) {
    NABLA_CHECK(fd_ >= 0 && !committed_, op_, "'{}': write after commit", path_);
    const char* p = static_cast<const char*>(data);
    while (bytes > 0) {
        const ssize_t w = ::write(fd_, p, bytes);
        if (w < 0 && errno == EINTR) continue;
        NABLA_CHECK(w > 0, op_, "writing '{}' (temporary '{}') failed: {}", path_, temp_,
                    errno_text(w < 0 ? errno : ENOSPC));
        p += w;
        bytes -= static_cast<std::size_t>(w);
    }
}

void AtomicFile::commit() {
    NABLA_CHECK(fd_ >= 0 && !committed_, op_, "'{}': committed twice", path_);
    // fsync before the rename: otherwise a crash can leave the new name on empty data.
    NABLA_CHECK(::fsync(fd_) == 0, op_, "flushing '{}' (temporary '{}') failed: {}", path_, temp_,
                errno_text(errno));
    NABLA_CHECK(::close(std::exchange(fd_, -1)) == 0, op_, "closing '{}' (temporary '{}') failed: {}", path_,
                temp_, errno_text(errno));
    NABLA_CHECK(::rename(temp_.c_str(), path_.c_str()) == 0, op_, "cannot rename '{}' to '{}': {}", temp_,
                path_, errno_text(errno));
    committed_ = true;
    // The rename lives in the folder: until the folder is synced a crash may undo it. A
    // filesystem that cannot sync folders (EINVAL) gives no stronger promise to ask for.
    const std::string folder = folder_of(path_);
    const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    NABLA_CHECK(dir >= 0, op_, "'{}' is written, but its folder '{}' cannot be opened to sync it: {}", path_,
                folder, errno_text(errno));
    const int synced = ::fsync(dir);
    const int err = errno;
    ::close(dir);
    NABLA_CHECK(synced == 0 || err == EINVAL, op_, "'{}' is written, but syncing its folder '{}' failed: {}",
                path_, folder, errno_text(err));
}

void write_file_atomic(const std::string& path, std::string_view content, const std::string& op) {
    AtomicFile file(path, op);
    file.write(content);
    file.commit();
}

namespace {

// The checks both writers share: a folder that exists, and a path that is not one.
void check_target(const std::string& path, const std::string& op) {
    NABLA_CHECK(!path.empty(), op, "empty file path");
    std::error_code ec;
    NABLA_CHECK(!std::filesystem::is_directory(path, ec), op,
                "cannot write '{}': it is a folder (give a file in it)", path);
    const std::string folder = folder_of(path);
    NABLA_CHECK(std::filesystem::is_directory(folder, ec), op,
                "cannot write '{}': its folder '{}' does not exist", path, folder);
}

}  // namespace

void check_writable(const std::string& path, const std::string& op) {
    check_target(path, op);
    AtomicFile probe(path, op);  // creates the temporary and, uncommitted, removes it
}

void check_appendable(const std::string& path, const std::string& op) {
    check_target(path, op);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        check_writable(path, op);  // the folder takes a new file
        return;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    NABLA_CHECK(fd >= 0, op, "cannot open '{}' for appending: {}", path, errno_text(errno));
    ::close(fd);
}

AppendFile::AppendFile(std::string path, std::string op) : path_(std::move(path)), op_(std::move(op)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    NABLA_CHECK(fd_ >= 0, op_, "cannot open '{}' for appending: {}", path_, errno_text(errno));
}

AppendFile::~AppendFile() {
    if (fd_ >= 0) ::close(fd_);
}

void AppendFile::append(std::string_view record) {
    ssize_t w = -1;
    do {
        w = ::write(fd_, record.data(), record.size());
    } while (w < 0 && errno == EINTR);
    NABLA_CHECK(w >= 0, op_, "appending to '{}' failed: {}", path_, errno_text(errno));
    NABLA_CHECK(static_cast<std::size_t>(w) == record.size(), op_,
                "appending to '{}' wrote {} of {} bytes (is the disk full?)", path_, w, record.size());
}

}  // namespace nabla
