#pragma once
// An anonymous in-memory file (memfd) for fuzzing readers that take a path: the input
// never touches a disk or any directory.
#include <cstddef>
#include <cstdint>
#include <string>

namespace nabla::fuzz {

class MemFile {
public:
    MemFile();
    ~MemFile();
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;

    // Replaces the file's content with `size` bytes.
    void assign(const std::uint8_t* data, std::size_t size);
    // A path that opens this file: /proc/self/fd/<fd>.
    const std::string& path() const { return path_; }

private:
    int fd_;
    std::string path_;
};

}  // namespace nabla::fuzz
