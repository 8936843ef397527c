#include "support/idx_files.h"

#include <catch2/catch.hpp>
#include <nabla.h>

using namespace nabla;
using namespace nabla::test;
using Catch::Contains;

namespace {
const Bytes kPixels = {0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255};  // 2 images of 2x3
}

TEST_CASE("idx reads raw image and label files", "[data][idx]") {
    TempDir dir;
    write_file(dir / "images", idx_images(2, 2, 3, kPixels));
    write_file(dir / "labels", idx_labels({7, 3}));
    const data::IdxImages images = data::read_idx_images(dir / "images");
    CHECK(images.count == 2);
    CHECK(images.rows == 2);
    CHECK(images.cols == 3);
    CHECK(images.pixels == kPixels);
    CHECK(data::read_idx_labels(dir / "labels") == Bytes{7, 3});
}

TEST_CASE("idx reads gzip files, recognised by content rather than name", "[data][idx]") {
    TempDir dir;
    write_file(dir / "images.gz", gzip(idx_images(2, 2, 3, kPixels)));
    write_file(dir / "labels-without-suffix", gzip(idx_labels({7, 3})));
    CHECK(data::read_idx_images(dir / "images.gz").pixels == kPixels);
    CHECK(data::read_idx_labels(dir / "labels-without-suffix") == Bytes{7, 3});
}

TEST_CASE("idx reads a gzip file of several concatenated members", "[data][idx]") {
    TempDir dir;
    const Bytes whole = idx_labels({1, 2, 3, 4});
    Bytes two = gzip(Bytes(whole.begin(), whole.begin() + 5));
    const Bytes rest = gzip(Bytes(whole.begin() + 5, whole.end()));
    two.insert(two.end(), rest.begin(), rest.end());
    write_file(dir / "labels.gz", two);
    CHECK(data::read_idx_labels(dir / "labels.gz") == Bytes{1, 2, 3, 4});
}

TEST_CASE("idx names a missing file", "[data][idx]") {
    TempDir dir;
    const std::string path = (dir / "nope").string();
    CHECK_THROWS_WITH(data::read_idx_images(path),
                      Contains("idx: ") && Contains(path) && Contains("no such file"));
}

TEST_CASE("idx reports a wrong magic number with its value", "[data][idx]") {
    TempDir dir;
    write_file(dir / "labels", idx_labels({1}));
    write_file(dir / "junk",
               Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!', '!', '!', '!', '!'});
    CHECK_THROWS_WITH(data::read_idx_images(dir / "labels"),
                      Contains((dir / "labels").string()) &&
                          Contains("wrong magic number 2049 (0x00000801)") && Contains("expected 2051") &&
                          Contains("looks like an IDX label file"));
    CHECK_THROWS_WITH(data::read_idx_labels(dir / "junk"),
                      Contains("wrong magic number 1751477356") && Contains("not an IDX file"));
}

TEST_CASE("idx reports truncated data with expected and actual bytes and the offset", "[data][idx]") {
    TempDir dir;
    Bytes images = idx_images(2, 2, 3, kPixels);
    images.pop_back();
    write_file(dir / "images", images);
    CHECK_THROWS_WITH(
        data::read_idx_images(dir / "images"),
        Contains("truncated data: expected 12 bytes (2 images of 2x3) from byte offset 16, found 11") &&
            Contains("ends at byte offset 27"));

    const Bytes labels = idx_labels({1, 2, 3});
    write_file(dir / "labels", Bytes(labels.begin(), labels.begin() + 9));
    CHECK_THROWS_WITH(data::read_idx_labels(dir / "labels"),
                      Contains("truncated data: expected 3 bytes (3 labels) from byte offset 8, found 1"));

    write_file(dir / "header", Bytes(images.begin(), images.begin() + 10));
    CHECK_THROWS_WITH(data::read_idx_images(dir / "header"),
                      Contains("truncated header: expected 16 bytes, found 10"));
    write_file(dir / "empty", Bytes{});
    CHECK_THROWS_WITH(data::read_idx_images(dir / "empty"), Contains("0 bytes, too short"));
}

TEST_CASE("idx refuses bytes beyond what the header declares", "[data][idx]") {
    TempDir dir;
    Bytes labels = idx_labels({1, 2});
    labels.push_back(9);
    write_file(dir / "labels", labels);
    CHECK_THROWS_WITH(
        data::read_idx_labels(dir / "labels"),
        Contains("1 unexpected bytes after the expected 2 bytes (2 labels), from byte offset 10"));
}

TEST_CASE("idx refuses empty image sizes and impossible headers", "[data][idx]") {
    const Bytes zero_rows = idx_images(1, 0, 3, {});
    CHECK_THROWS_WITH(data::parse_idx_images(zero_rows, "z"), Contains("images of 0x3 pixels"));
    const Bytes huge = idx_images(0xffffffffu, 0xffffffffu, 0xffffffffu, {});
    CHECK_THROWS_WITH(data::parse_idx_images(huge, "h"), Contains("impossible size"));
    // 2^32-1 images of 1x1 fits in memory arithmetic but not in the file.
    CHECK_THROWS_WITH(data::parse_idx_images(idx_images(0xffffffffu, 1, 1, {}), "t"),
                      Contains("expected 4294967295 bytes"));
}

TEST_CASE("idx reports a corrupt or truncated gzip stream", "[data][idx]") {
    TempDir dir;
    Bytes raw(2000);
    for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>((i * 7919) >> 3);
    const Bytes gz = gzip(idx_images(20, 10, 10, raw));

    Bytes corrupt = gz;
    for (size_t i = 20; i < 40; ++i) corrupt[i] ^= 0x5a;
    write_file(dir / "corrupt.gz", corrupt);
    CHECK_THROWS_WITH(data::read_idx_images(dir / "corrupt.gz"),
                      Contains((dir / "corrupt.gz").string()) && Contains("corrupt gzip stream"));

    write_file(dir / "cut.gz", Bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(gz.size() / 2)));
    CHECK_THROWS_WITH(data::read_idx_images(dir / "cut.gz"), Contains("corrupt gzip stream: it ends early"));

    Bytes trailing = gz;
    trailing.insert(trailing.end(), {1, 2, 3});
    write_file(dir / "trailing.gz", trailing);
    CHECK_THROWS_WITH(data::read_idx_images(dir / "trailing.gz"),
                      Contains("3 bytes of unexpected data after the gzip stream"));
}

TEST_CASE("idx offsets in a gunzipped file are said to be uncompressed", "[data][idx]") {
    TempDir dir;
    Bytes images = idx_images(2, 2, 3, kPixels);
    images.pop_back();
    write_file(dir / "images.gz", gzip(images));
    CHECK_THROWS_WITH(data::read_idx_images(dir / "images.gz"),
                      Contains("images.gz (gunzipped): truncated data: expected 12 bytes"));
}
