#include "fuzz_memfile.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace nabla::fuzz {

namespace {
[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::abort();
}
}  // namespace

MemFile::MemFile() : fd_(::memfd_create("nabla-fuzz", MFD_CLOEXEC)) {
    if (fd_ < 0) die("memfd_create");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
}

MemFile::~MemFile() { ::close(fd_); }

void MemFile::assign(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0) die("ftruncate");
    std::size_t done = 0;
    while (done < size) {
        const ssize_t w = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
        if (w <= 0) die("pwrite");
        done += static_cast<std::size_t>(w);
    }
}

}  // namespace nabla::fuzz
