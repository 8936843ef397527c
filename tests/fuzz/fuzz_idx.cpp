// Fuzzes the IDX reader: the in-memory parsers for images and labels, and for gzip input
// the file reader (gunzip included), on the same bytes.
#include "core/error.h"
#include "data/idx.h"
#include "fuzz_memfile.h"

#include <cstdlib>
#include <span>

using namespace nabla;

namespace {

// A successful parse must describe exactly the bytes it returned.
void check_images(const data::IdxImages& im) {
    if (im.count < 0 || im.rows <= 0 || im.cols <= 0 ||
        std::uint64_t(im.count) * std::uint64_t(im.rows) * std::uint64_t(im.cols) != im.pixels.size())
        std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    try {
        check_images(data::parse_idx_images(bytes, "fuzz"));
    } catch (const Error&) {
    }
    try {
        (void)data::parse_idx_labels(bytes, "fuzz");
    } catch (const Error&) {
    }
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        static fuzz::MemFile file;
        file.assign(data, size);
        try {
            check_images(data::read_idx_images(file.path()));
        } catch (const Error&) {
        }
        try {
            (void)data::read_idx_labels(file.path());
        } catch (const Error&) {
        }
    }
    return 0;
}
