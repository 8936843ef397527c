#pragma once
// Storage: one 64-byte-aligned float32 buffer, shared by every tensor viewing it.
#include <cstddef>
#include <cstdint>
#include <memory>

namespace nabla {

class Storage {
public:
    explicit Storage(std::int64_t numel);  // uninitialised
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    float* data() { return data_.get(); }
    const float* data() const { return data_.get(); }
    std::int64_t numel() const { return numel_; }
    // Bumped by every in-place write, so backward can tell a saved tensor was modified.
    std::uint64_t version() const { return version_; }
    void bump_version() { ++version_; }

private:
    struct Free {
        std::size_t bytes;
        void operator()(float* p) const;  // large blocks go back to a reuse cache
    };
    std::unique_ptr<float[], Free> data_;
    std::int64_t numel_;
    std::uint64_t version_ = 0;
};

}  // namespace nabla
