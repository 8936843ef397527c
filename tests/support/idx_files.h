#pragma once
// The bytes of tiny IDX files the tests write themselves (MNIST's format), raw or
// gzip-compressed; write them with write_file into a TempDir.
#include "support/files.h"

#include <zlib.h>

#include <cstdint>
#include <stdexcept>

namespace nabla::test {

inline void put_be32(Bytes& b, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(v >> shift));
}

inline Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, const Bytes& pixels) {
    Bytes b;
    put_be32(b, 2051);
    put_be32(b, count);
    put_be32(b, rows);
    put_be32(b, cols);
    b.insert(b.end(), pixels.begin(), pixels.end());
    return b;
}

inline Bytes idx_labels(const Bytes& labels) {
    Bytes b;
    put_be32(b, 2049);
    put_be32(b, static_cast<std::uint32_t>(labels.size()));
    b.insert(b.end(), labels.begin(), labels.end());
    return b;
}

inline Bytes gzip(const Bytes& raw) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("gzip: deflateInit2 failed");
    Bytes out(deflateBound(&zs, static_cast<uLong>(raw.size())) + 64);
    zs.next_in = const_cast<Bytef*>(raw.data());
    zs.avail_in = static_cast<uInt>(raw.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    const int ret = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (ret != Z_STREAM_END) throw std::runtime_error("gzip: deflate did not finish");
    return out;
}

}  // namespace nabla::test
