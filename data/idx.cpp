#include "data/idx.h"

#include "core/error.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <string>
#include <system_error>

namespace nabla::data {

namespace {

constexpr const char* kWhere = "idx";

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& file) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    NABLA_CHECK(std::filesystem::exists(status), kWhere, "{}: no such file", file.string());
    NABLA_CHECK(std::filesystem::is_regular_file(status), kWhere, "{}: not a regular file", file.string());
    const std::uintmax_t size = std::filesystem::file_size(file, ec);
    NABLA_CHECK(!ec, kWhere, "{}: cannot get the file size: {}", file.string(), ec.message());

    std::ifstream in(file, std::ios::binary);
    NABLA_CHECK(in.is_open(), kWhere, "{}: cannot open the file for reading", file.string());
    std::vector<std::uint8_t> bytes(static_cast<size_t>(size));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    NABLA_CHECK(in.gcount() == static_cast<std::streamsize>(size), kWhere, "{}: read {} of its {} bytes",
                file.string(), in.gcount(), size);
    return bytes;
}

bool is_gzip(std::span<const std::uint8_t> bytes) {
    return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// Frees the zlib state on every exit, exceptions included.
struct InflateGuard {
    z_stream* zs;
    ~InflateGuard() { inflateEnd(zs); }
};

std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> in, std::string_view name) {
    z_stream zs{};
    NABLA_CHECK(inflateInit2(&zs, 15 + 16) == Z_OK, kWhere, "{}: cannot start zlib", name);
    InflateGuard guard{&zs};

    // The gzip trailer holds the uncompressed size mod 2^32: a good first guess for the
    // buffer, capped so that a lying trailer cannot make us allocate gigabytes up front.
    size_t guess = in.size() * 4;
    if (in.size() >= 18) {
        const size_t n = in.size();
        guess =
            size_t(in[n - 4]) | size_t(in[n - 3]) << 8 | size_t(in[n - 2]) << 16 | size_t(in[n - 1]) << 24;
    }
    // Deflate expands at most ~1032:1, which also bounds a trailer that lies.
    guess = std::min(guess, in.size() * 1032);
    std::vector<std::uint8_t> out(std::clamp<size_t>(guess + 1, 1 << 16, size_t(1) << 28));

    // zlib counts in 32-bit uInt, so feed and drain in chunks of at most 1 GiB.
    constexpr size_t kChunk = size_t(1) << 30;
    size_t fed = 0;
    size_t produced = 0;
    for (;;) {
        if (zs.avail_in == 0 && fed < in.size()) {
            const size_t n = std::min(kChunk, in.size() - fed);
            zs.next_in = const_cast<Bytef*>(in.data() + fed);
            zs.avail_in = static_cast<uInt>(n);
            fed += n;
        }
        if (produced == out.size()) out.resize(out.size() * 2);
        const size_t room = std::min(kChunk, out.size() - produced);
        zs.next_out = out.data() + produced;
        zs.avail_out = static_cast<uInt>(room);
        const int ret = inflate(&zs, Z_NO_FLUSH);
        produced += room - zs.avail_out;
        const size_t consumed = fed - zs.avail_in;

        if (ret == Z_STREAM_END) {
            if (consumed == in.size()) break;
            // gzip allows several members one after another (`cat a.gz b.gz`).
            if (is_gzip(in.subspan(consumed))) {
                inflateReset(&zs);
                continue;
            }
            NABLA_CHECK(false, kWhere,
                        "{}: {} bytes of unexpected data after the gzip stream at byte offset {}", name,
                        in.size() - consumed, consumed);
        }
        if (ret == Z_OK) continue;
        // No progress: either the output is full (grow it) or the input chunk is used up.
        if (ret == Z_BUF_ERROR && (zs.avail_out == 0 || (zs.avail_in == 0 && fed < in.size()))) continue;
        if (ret == Z_BUF_ERROR) {
            NABLA_CHECK(false, kWhere,
                        "{}: corrupt gzip stream: it ends early (truncated download?) after {} compressed "
                        "bytes and {} uncompressed bytes",
                        name, in.size(), produced);
        }
        NABLA_CHECK(false, kWhere, "{}: corrupt gzip stream near compressed byte offset {}: {}", name,
                    consumed, zs.msg ? zs.msg : "unknown zlib error");
    }
    out.resize(produced);
    if (out.capacity() - produced > produced / 8) out.shrink_to_fit();  // a copy; only when it saves much
    return out;
}

std::uint32_t be32(std::span<const std::uint8_t> b, size_t offset) {
    return std::uint32_t(b[offset]) << 24 | std::uint32_t(b[offset + 1]) << 16 |
           std::uint32_t(b[offset + 2]) << 8 | std::uint32_t(b[offset + 3]);
}

const char* magic_kind(std::uint32_t magic) {
    if (magic == kIdxImagesMagic) return "an IDX image file";
    if (magic == kIdxLabelsMagic) return "an IDX label file";
    if ((magic >> 16) == 0 && ((magic >> 8) & 0xff) == 0x08) return "an IDX file of unsigned bytes";
    if ((magic >> 16) == 0 && ((magic >> 8) & 0xff) >= 0x09) return "an IDX file, but not of unsigned bytes";
    return "not an IDX file";
}

// Checks the magic number and that the header is all there.
void check_layout(std::span<const std::uint8_t> b, std::string_view name, std::uint32_t want_magic,
                  size_t header) {
    NABLA_CHECK(b.size() >= 4, kWhere, "{}: {} bytes, too short for an IDX magic number", name, b.size());
    const std::uint32_t magic = be32(b, 0);
    NABLA_CHECK(magic == want_magic, kWhere,
                "{}: wrong magic number {} (0x{:08x}), expected {} (0x{:08x}) for {}; this looks like {}",
                name, magic, magic, want_magic, want_magic, magic_kind(want_magic), magic_kind(magic));
    NABLA_CHECK(b.size() >= header, kWhere, "{}: truncated header: expected {} bytes, found {}", name, header,
                b.size());
}

// Checks that the payload after the header is exactly `expected` bytes; `what` describes
// it for the message ("60000 images of 28x28").
void check_payload(std::span<const std::uint8_t> b, std::string_view name, size_t header,
                   std::uint64_t expected, const std::string& what) {
    const std::uint64_t actual = b.size() - header;
    NABLA_CHECK(actual >= expected, kWhere,
                "{}: truncated data: expected {} bytes ({}) from byte offset {}, found {} (the file ends at "
                "byte offset {})",
                name, expected, what, header, actual, b.size());
    NABLA_CHECK(actual == expected, kWhere,
                "{}: {} unexpected bytes after the expected {} bytes ({}), from byte offset {}; is the "
                "count in the header right?",
                name, actual - expected, expected, what, header + expected);
}

struct ImagesHeader {
    std::int64_t count, rows, cols;
};
constexpr size_t kImagesHeader = 16;
constexpr size_t kLabelsHeader = 8;

ImagesHeader check_images(std::span<const std::uint8_t> b, std::string_view name) {
    check_layout(b, name, kIdxImagesMagic, kImagesHeader);
    const std::uint64_t count = be32(b, 4);
    const std::uint64_t rows = be32(b, 8);
    const std::uint64_t cols = be32(b, 12);
    NABLA_CHECK(rows > 0 && cols > 0, kWhere, "{}: images of {}x{} pixels; both sizes must be positive", name,
                rows, cols);
    // rows * cols fits in 64 bits (each is below 2^32); times count may not.
    const std::uint64_t per_image = rows * cols;
    NABLA_CHECK(count <= std::uint64_t(INT64_MAX) / per_image, kWhere,
                "{}: header declares {} images of {}x{}, an impossible size", name, count, rows, cols);
    check_payload(b, name, kImagesHeader, count * per_image,
                  fmt::format("{} images of {}x{}", count, rows, cols));
    return {std::int64_t(count), std::int64_t(rows), std::int64_t(cols)};
}

void check_labels(std::span<const std::uint8_t> b, std::string_view name) {
    check_layout(b, name, kIdxLabelsMagic, kLabelsHeader);
    const std::uint64_t count = be32(b, 4);
    check_payload(b, name, kLabelsHeader, count, fmt::format("{} labels", count));
}

// The file's content and the name errors quote; offsets in a gunzipped file count
// uncompressed bytes, and the name says so.
struct Content {
    std::vector<std::uint8_t> bytes;
    std::string name;
};

Content read_content(const std::filesystem::path& file) {
    std::vector<std::uint8_t> bytes = read_file_bytes(file);
    if (!is_gzip(bytes)) return {std::move(bytes), file.string()};
    return {gunzip(bytes, file.string()), file.string() + " (gunzipped)"};
}

// Drops the header in place: no second copy of a 47 MB payload.
std::vector<std::uint8_t> strip_header(std::vector<std::uint8_t> bytes, size_t header) {
    bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
    return bytes;
}

}  // namespace

std::vector<std::uint8_t> read_maybe_gzip(const std::filesystem::path& file) {
    return read_content(file).bytes;
}

IdxImages parse_idx_images(std::span<const std::uint8_t> b, std::string_view name) {
    const ImagesHeader h = check_images(b, name);
    return {h.count, h.rows, h.cols, {b.begin() + kImagesHeader, b.end()}};
}

std::vector<std::uint8_t> parse_idx_labels(std::span<const std::uint8_t> b, std::string_view name) {
    check_labels(b, name);
    return {b.begin() + kLabelsHeader, b.end()};
}

IdxImages read_idx_images(const std::filesystem::path& file) {
    Content c = read_content(file);
    const ImagesHeader h = check_images(c.bytes, c.name);
    return {h.count, h.rows, h.cols, strip_header(std::move(c.bytes), kImagesHeader)};
}

std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file) {
    Content c = read_content(file);
    check_labels(c.bytes, c.name);
    return strip_header(std::move(c.bytes), kLabelsHeader);
}

}  // namespace nabla::data
