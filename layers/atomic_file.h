#pragma once
// Files that no reader ever finds half-written.
//
// AtomicFile replaces a file whole: the bytes go to a temporary file in the target's folder,
// named "<path>.tmp.<pid>.<n>" (n counts this process's writes, so two writes never share
// one), which is fsynced, renamed over the target, and then the folder is fsynced so the
// rename itself survives a crash. A crash or an error therefore leaves either the old file
// or the new one. On any failure the temporary is removed and nabla::Error names the path
// and the system's reason (the errno text). Checkpoints, reports and CSV files use it.
//
// AppendFile is for logs that grow while they are read (--metrics), where replacing the
// whole file per record would cost quadratic time: each record reaches the file in one
// write(2) on an O_APPEND descriptor, so it lands whole at the end, never interleaved with
// another writer's; a short write (a full disk) throws, naming the path.
#include <cstddef>
#include <string>
#include <string_view>

namespace nabla {

class AtomicFile {
public:
    // Creates the temporary. `op` names the caller in error messages ("save_safetensors").
    explicit AtomicFile(std::string path, std::string op = "write_file_atomic");
    // Without commit(): removes the temporary and leaves the target as it was.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, std::size_t bytes);
    void write(std::string_view text) { write(text.data(), text.size()); }
    // fsync, rename over the target, fsync the folder. Call it once, after the last write.
    void commit();

    const std::string& path() const { return path_; }
    const std::string& temp_path() const { return temp_; }

private:
    void discard() noexcept;

    std::string path_, temp_, op_;
    int fd_ = -1;
    bool committed_ = false;
};

// AtomicFile for content already in memory.
void write_file_atomic(const std::string& path, std::string_view content,
                       const std::string& op = "write_file_atomic");

// For checking an output path before a long job starts, without leaving a file behind:
// throws nabla::Error naming `path` unless AtomicFile(path) (or AppendFile(path)) could
// write it, i.e. its folder exists and takes a new file, and `path` is not a folder
// (for appending, an existing file must also open for writing).
void check_writable(const std::string& path, const std::string& op);
void check_appendable(const std::string& path, const std::string& op);

class AppendFile {
public:
    // Opens (creating it if needed) for appending; `op` names the caller in error messages.
    explicit AppendFile(std::string path, std::string op = "append_file");
    ~AppendFile();
    AppendFile(const AppendFile&) = delete;
    AppendFile& operator=(const AppendFile&) = delete;

    void append(std::string_view record);
    const std::string& path() const { return path_; }

private:
    std::string path_, op_;
    int fd_ = -1;
};

}  // namespace nabla
