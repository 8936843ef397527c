#pragma once
// The IDX file format of MNIST and its kin, for unsigned-byte data only:
//   images: magic 2051 (0x00000803), count, rows, cols, then count*rows*cols bytes
//   labels: magic 2049 (0x00000801), count, then count bytes
// Header fields are 32-bit big-endian. A file may be raw or gzip-compressed; the reader
// tells them apart by the gzip signature, not by the name.
//
// Every problem throws nabla::Error naming the file and what is wrong (missing file,
// wrong magic, truncated or oversized data with the byte counts, corrupt gzip stream);
// a reader never returns part of a file.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace nabla::data {

inline constexpr std::uint32_t kIdxImagesMagic = 2051;
inline constexpr std::uint32_t kIdxLabelsMagic = 2049;

// count images of rows x cols bytes each, row-major, one after another.
struct IdxImages {
    std::int64_t count = 0;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::vector<std::uint8_t> pixels;  // count * rows * cols
};

// The whole content of `file`, gunzipped when it starts with the gzip signature.
std::vector<std::uint8_t> read_maybe_gzip(const std::filesystem::path& file);

// Parse IDX content already in memory; `name` is the file name quoted in errors.
IdxImages parse_idx_images(std::span<const std::uint8_t> bytes, std::string_view name);
std::vector<std::uint8_t> parse_idx_labels(std::span<const std::uint8_t> bytes, std::string_view name);

// Read and parse a file, raw or gzip.
IdxImages read_idx_images(const std::filesystem::path& file);
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file);

}  // namespace nabla::data
