#include "support/files.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace nabla;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// The tests' scratch directory, and the names of the files a failed save could have left in it.
class SafetensorsDir : public test::TempDir {
public:
    std::vector<std::string> temp_files() const {
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(path()))
            if (entry.path().filename().string().find(".tmp.") != std::string::npos)
                found.push_back(entry.path().filename().string());
        return found;
    }
};

std::string read_bytes(const std::string& path) { return test::read_text(path); }

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("write_bytes: cannot write " + path);
}

std::string u64_le(std::uint64_t v) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
    return s;
}

// A file with the given header text (unpadded) followed by `data_bytes` bytes of data.
std::string make_file(const std::string& header, std::size_t data_bytes) {
    return u64_le(header.size()) + header + std::string(data_bytes, '\x01');
}

// The message of the nabla::Error that loading `path` throws, or a sentence saying it
// loaded (which no expected message matches). Any other exception type escapes and fails
// the test.
std::string load_error(const std::string& path) {
    try {
        load_safetensors(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error: load_safetensors accepted the file";
}

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

// Saved by the Python snippet in the byte-exact test below.
const std::vector<unsigned char> kPythonFile = {
    0x18, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x5f, 0x5f, 0x6d, 0x65, 0x74, 0x61, 0x64,
    0x61, 0x74, 0x61, 0x5f, 0x5f, 0x22, 0x3a, 0x7b, 0x22, 0x65, 0x70, 0x6f, 0x63, 0x68, 0x22, 0x3a, 0x22,
    0x33, 0x22, 0x2c, 0x22, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x22, 0x3a, 0x22, 0x70, 0x74, 0x22, 0x7d,
    0x2c, 0x22, 0x62, 0x69, 0x61, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a,
    0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x32, 0x5d,
    0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b,
    0x30, 0x2c, 0x38, 0x5d, 0x7d, 0x2c, 0x22, 0x6e, 0x6f, 0x6e, 0x65, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74,
    0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65,
    0x22, 0x3a, 0x5b, 0x30, 0x2c, 0x33, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66,
    0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x38, 0x2c, 0x38, 0x5d, 0x7d, 0x2c, 0x22, 0x73, 0x74, 0x65,
    0x70, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22,
    0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61,
    0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x38, 0x2c, 0x31, 0x32, 0x5d, 0x7d,
    0x2c, 0x22, 0x77, 0x65, 0x69, 0x67, 0x68, 0x74, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65,
    0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b,
    0x32, 0x2c, 0x32, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74,
    0x73, 0x22, 0x3a, 0x5b, 0x31, 0x32, 0x2c, 0x32, 0x38, 0x5d, 0x7d, 0x7d, 0x20, 0x20, 0x20, 0x20, 0xcd,
    0xcc, 0xcc, 0x3d, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0xe0, 0x40, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00,
    0x00, 0xc0, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x50, 0x40,
};

NamedTensors python_file_tensors() {
    // Deliberately not in name order: the writer sorts.
    return {{"weight", from_vector({1.0f, -2.0f, 0.5f, 3.25f}, {2, 2})},
            {"step", scalar_tensor(7.0f)},
            {"none", zeros({0, 3})},
            {"bias", from_vector({0.1f, -0.0f}, {2})}};
}

}  // namespace

TEST_CASE("safetensors round trip keeps names, shapes and exact bits", "[layers][safetensors]") {
    SafetensorsDir dir;
    manual_seed(7);
    Tensor special =
        from_vector({std::numeric_limits<float>::infinity(), -0.0f, std::numeric_limits<float>::quiet_NaN(),
                     std::numeric_limits<float>::denorm_min()},
                    {4});
    NamedTensors tensors = {{"conv.weight", randn({3, 2, 2, 2})},
                            {"scalar", scalar_tensor(-1.5f)},
                            {"empty", zeros({0})},
                            {"empty2d", zeros({0, 4})},
                            {"row", randn({1, 1, 1, 5})},
                            {"special", special},
                            {"matrix", randn({2, 3})},
                            {"ünïcode name", ones({2})}};
    const std::string path = dir.file("model.safetensors");
    save_safetensors(path, tensors);
    SafetensorsFile loaded = load_safetensors(path);
    REQUIRE(loaded.tensors.size() == tensors.size());
    REQUIRE(loaded.metadata.empty());
    for (const auto& [name, t] : tensors) {
        INFO(name);
        REQUIRE(loaded.tensors.count(name) == 1);
        CHECK(same_bits(loaded.tensors.at(name), t));
        CHECK_FALSE(loaded.tensors.at(name).requires_grad());
    }
    // Loaded tensors own their data.
    tensors[0].second.fill_(0.0f);
    CHECK(loaded.tensors.at("conv.weight").to_vector() != tensors[0].second.to_vector());
}

TEST_CASE("safetensors round trip of no tensors", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("empty.safetensors");
    save_safetensors(path, {});
    CHECK(read_bytes(path) == u64_le(8) + "{}      ");
    CHECK(load_safetensors(path).tensors.empty());
}

TEST_CASE("safetensors metadata round trips and empty metadata writes no __metadata__",
          "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::map<std::string, std::string> metadata = {{"format", "pt"},
                                                         {"empty", ""},
                                                         {"quoted \"key\"", "line\nbreak\ttab \\ back"},
                                                         {"ключ", "значение"}};
    const std::string path = dir.file("meta.safetensors");
    save_safetensors(path, {{"w", ones({2})}}, metadata);
    SafetensorsFile loaded = load_safetensors(path);
    CHECK(loaded.metadata == metadata);
    CHECK(loaded.tensors.at("w").to_vector() == std::vector<float>{1.0f, 1.0f});

    save_safetensors(path, {{"w", ones({2})}});
    CHECK(read_bytes(path).find("__metadata__") == std::string::npos);
    CHECK(load_safetensors(path).metadata.empty());
}

TEST_CASE("safetensors file matches an independent writer byte for byte", "[layers][safetensors]") {
    // kPythonFile is the output of this snippet (python3, numpy), written from the spec:
    //   import json, struct, numpy as np
    //   tensors = {"weight": np.array([[1.0, -2.0], [0.5, 3.25]], np.float32),
    //              "bias": np.array([0.1, -0.0], np.float32),
    //              "step": np.array(7.0, np.float32), "none": np.zeros((0, 3), np.float32)}
    //   header = {"__metadata__": {"epoch": "3", "format": "pt"}}; data = b""
    //   for name in sorted(tensors):
    //       b = tensors[name].astype("<f4").tobytes()
    //       header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
    //                       "data_offsets": [len(data), len(data) + len(b)]}
    //       data += b
    //   h = json.dumps(header, separators=(",", ":")).encode(); h += b" " * (-len(h) % 8)
    //   blob = struct.pack("<Q", len(h)) + h + data
    SafetensorsDir dir;
    const std::string expected(kPythonFile.begin(), kPythonFile.end());
    const std::string path = dir.file("ours.safetensors");
    save_safetensors(path, python_file_tensors(), {{"format", "pt"}, {"epoch", "3"}});
    CHECK(read_bytes(path) == expected);

    const std::string theirs = dir.file("theirs.safetensors");
    write_bytes(theirs, expected);
    SafetensorsFile loaded = load_safetensors(theirs);
    CHECK(loaded.metadata == std::map<std::string, std::string>{{"format", "pt"}, {"epoch", "3"}});
    for (const auto& [name, t] : python_file_tensors()) CHECK(same_bits(loaded.tensors.at(name), t));
}

TEST_CASE("safetensors save is deterministic and pads the header to 8 bytes", "[layers][safetensors]") {
    SafetensorsDir dir;
    NamedTensors forward = python_file_tensors();
    NamedTensors backward(forward.rbegin(), forward.rend());
    save_safetensors(dir.file("a"), forward);
    save_safetensors(dir.file("b"), backward);
    CHECK(read_bytes(dir.file("a")) == read_bytes(dir.file("b")));
    for (std::size_t len = 1; len <= 9; ++len) {
        save_safetensors(dir.file("c"), {{std::string(len, 'x'), ones({1})}});
        const std::string bytes = read_bytes(dir.file("c"));
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
        CHECK(n % 8 == 0);
        CHECK(bytes.size() == 8 + n + 4);
        CHECK(bytes.substr(8, n).find_last_not_of(' ') == bytes.substr(8, n).rfind('}'));
    }
}

TEST_CASE("safetensors save replaces an existing file", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("m.safetensors");
    save_safetensors(path, {{"a", ones({3})}});
    save_safetensors(path, {{"b", zeros({2})}});
    SafetensorsFile loaded = load_safetensors(path);
    CHECK(loaded.tensors.size() == 1);
    CHECK(loaded.tensors.count("b") == 1);
    CHECK(dir.temp_files().empty());
}

TEST_CASE("safetensors save rejects bad names and leaves the previous file intact", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("m.safetensors");
    save_safetensors(path, {{"a", ones({3})}});
    const std::string before = read_bytes(path);

    CHECK_THROWS_WITH(save_safetensors(path, {{"a", ones({1})}, {"b", ones({1})}, {"a", zeros({2})}}),
                      Contains(path) && Contains("two tensors are named \"a\""));
    CHECK_THROWS_WITH(save_safetensors(path, {{"__metadata__", ones({1})}}),
                      Contains(path) && Contains("reserved"));
    CHECK_THROWS_WITH(save_safetensors(path, {{"u", Tensor()}}),
                      Contains(path) && Contains("\"u\" is undefined"));
    CHECK_THROWS_WITH(save_safetensors(path, {{"bad \xff utf8", ones({1})}}),
                      Contains(path) && Contains("not valid UTF-8"));
    CHECK_THROWS_WITH(save_safetensors(path, {{"a", ones({1})}}, {{"k", "\xc3"}}),
                      Contains("not valid UTF-8"));
    CHECK(read_bytes(path) == before);
    CHECK(dir.temp_files().empty());
}

TEST_CASE("safetensors save that fails after writing removes its temporary file", "[layers][safetensors]") {
    // A non-empty directory at the target path: the temp file is written in full, then the
    // rename over the directory fails.
    SafetensorsDir dir;
    const std::string path = dir.file("occupied");
    fs::create_directory(path);
    write_bytes(dir.file("occupied/keep"), "x");
    CHECK_THROWS_WITH(save_safetensors(path, {{"a", ones({3})}}),
                      Contains("cannot rename") && Contains(path));
    CHECK(dir.temp_files().empty());
    CHECK(read_bytes(dir.file("occupied/keep")) == "x");
}

TEST_CASE("safetensors save into a missing directory names the path", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("no/such/dir/m.safetensors");
    CHECK_THROWS_WITH(save_safetensors(path, {{"a", ones({1})}}),
                      Contains(path) && Contains("cannot create"));
    CHECK_FALSE(fs::exists(dir.file("no")));
}

TEST_CASE("safetensors load names a missing file and a directory", "[layers][safetensors]") {
    SafetensorsDir dir;
    CHECK_THAT(load_error(dir.file("missing")), Contains("cannot open") && Contains(dir.file("missing")));
    fs::create_directory(dir.file("folder"));
    CHECK_THAT(load_error(dir.file("folder")), Contains("not a regular file"));
}

TEST_CASE("safetensors load rejects a file truncated at any length", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string good(kPythonFile.begin(), kPythonFile.end());
    const std::string path = dir.file("cut.safetensors");
    for (std::size_t len = 0; len < good.size(); ++len) {
        INFO("truncated to " << len << " bytes");
        write_bytes(path, good.substr(0, len));
        const std::string message = load_error(path);
        CHECK_THAT(message, Contains(path));
        if (len < 8) CHECK_THAT(message, Contains("shorter than the 8-byte header length"));
        if (len >= 8 && len < 8 + 280) CHECK_THAT(message, Contains("header length in bytes 0 to 7 is 280"));
        if (len >= 8 + 280) CHECK_THAT(message, Contains("data region"));
    }
    write_bytes(path, good + "xyz");
    CHECK_THAT(load_error(path), Contains("trailing bytes"));
}

TEST_CASE("safetensors load rejects header lengths the file cannot hold", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("h.safetensors");
    write_bytes(path, u64_le(std::numeric_limits<std::uint64_t>::max()) + "{}");
    CHECK_THAT(load_error(path), Contains("18446744073709551615") && Contains("only 2 bytes follow"));
    write_bytes(path, u64_le(0));
    CHECK_THAT(load_error(path), Contains("not valid JSON"));
}

TEST_CASE("safetensors load reports invalid JSON with its file offset", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("j.safetensors");
    write_bytes(path, make_file("{\"a\": ?}", 0));
    CHECK_THAT(load_error(path), Contains("not valid JSON near file byte 14") && Contains(path));
    write_bytes(path, make_file("{\"a\":1", 0));
    CHECK_THAT(load_error(path), Contains("not valid JSON"));
    write_bytes(path, make_file("{\"\xff\":1}", 0));  // not UTF-8
    CHECK_THAT(load_error(path), Contains("not valid JSON"));
    write_bytes(path, make_file(std::string("{}\0\0\0\0\0\0", 8), 0));  // padded with NULs, not spaces
    CHECK_THAT(load_error(path), Contains("NUL byte at file byte 10"));
    write_bytes(path, make_file(R"({"a":{"dtype":"F32","shape":[1e999],"data_offsets":[0,4]}})", 4));
    CHECK_THAT(load_error(path), Contains("not usable JSON") && Contains("1e999"));
    write_bytes(path, make_file(R"({"a":"\ud800"})", 0));  // a lone surrogate
    CHECK_THAT(load_error(path), Contains("not valid JSON"));
    write_bytes(path, make_file("[1,2]", 0));
    CHECK_THAT(load_error(path), Contains("must be a JSON object, got [1,2]"));
    write_bytes(path, make_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                                "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}",
                                8));
    CHECK_THAT(load_error(path), Contains("repeats the key \"a\""));
    write_bytes(path, make_file(std::string(100000, '[') + std::string(100000, ']'), 0));
    CHECK_THAT(load_error(path), Contains("nests deeper"));
}

TEST_CASE("safetensors load names unsupported dtypes", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("d.safetensors");
    for (const std::string dtype : {"\"F64\"", "\"BF16\"", "\"F16\"", "\"I64\"", "\"float32\"", "32"}) {
        INFO(dtype);
        write_bytes(path,
                    make_file("{\"w\":{\"dtype\":" + dtype + ",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        const std::string message = load_error(path);
        CHECK_THAT(message, Contains(path) && Contains("tensor \"w\"") && Contains(dtype));
        if (dtype != "32") CHECK_THAT(message, Contains("only F32 can be loaded"));
    }
}

TEST_CASE("safetensors load rejects ill-typed, missing and inconsistent fields", "[layers][safetensors]") {
    struct Case {
        std::string tensor;  // the value of tensor "t"
        std::size_t data_bytes;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"3", 0, "expected an object with dtype, shape and data_offsets, got 3"},
        {R"({"shape":[1],"data_offsets":[0,4]})", 4, "missing field \"dtype\""},
        {R"({"dtype":"F32","data_offsets":[0,4]})", 4, "missing field \"shape\""},
        {R"({"dtype":"F32","shape":[1]})", 4, "missing field \"data_offsets\""},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[0,4],"offsets":[0,4]})", 4,
         "unknown field \"offsets\""},
        {R"({"dtype":"F32","shape":"1","data_offsets":[0,4]})", 4, "\"shape\" must be an array, got \"1\""},
        {R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})", 4, "must be non-negative integers, got -1"},
        {R"({"dtype":"F32","shape":[1.0],"data_offsets":[0,4]})", 4,
         "must be non-negative integers, got 1.0"},
        {R"({"dtype":"F32","shape":[[1]],"data_offsets":[0,4]})", 4,
         "must be non-negative integers, got [1]"},
        {R"({"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]})", 4, "too many elements"},
        {R"({"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]})", 4, "too many elements"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[0]})", 4, "must be an array [begin, end], got [0]"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[0,4,8]})", 8, "must be an array [begin, end]"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":{"0":4}})", 4, "must be an array [begin, end]"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})", 4, "must be non-negative integers, got -4"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[0,"4"]})", 4,
         "must be non-negative integers, got \"4\""},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[4,0]})", 4,
         "data_offsets [4, 0] end before they begin"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})", 3, "run past the 3-byte data region"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[18446744073709551611,18446744073709551615]})", 4,
         "run past"},
        {R"({"dtype":"F32","shape":[2,3],"data_offsets":[0,20]})", 20,
         "span 20 bytes but shape [2,3] of F32 needs 24"},
        {R"({"dtype":"F32","shape":[0],"data_offsets":[0,4]})", 4,
         "span 4 bytes but shape [0] of F32 needs 0"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[4,8]})", 8, "data bytes [0, 4) (file bytes"},
        {R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})", 12,
         "tensors cover only 4; the file has trailing"},
    };
    SafetensorsDir dir;
    const std::string path = dir.file("f.safetensors");
    for (const Case& c : cases) {
        INFO(c.tensor);
        write_bytes(path, make_file("{\"t\":" + c.tensor + "}", c.data_bytes));
        const std::string message = load_error(path);
        CHECK_THAT(message, Contains(path) && Contains(c.expected));
    }
}

TEST_CASE("safetensors load rejects overlapping tensors and bad metadata", "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("o.safetensors");
    write_bytes(path, make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                8));
    CHECK_THAT(load_error(path), Contains("tensor \"b\" (data bytes [4, 8)) overlaps tensor \"a\""));
    write_bytes(path, make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
                                8));
    CHECK_THAT(load_error(path), Contains("overlaps"));
    write_bytes(path, make_file(R"({"__metadata__":["x"]})", 0));
    CHECK_THAT(load_error(path), Contains("\"__metadata__\" must be an object of strings, got [\"x\"]"));
    write_bytes(path, make_file(R"({"__metadata__":{"epoch":3}})", 0));
    CHECK_THAT(load_error(path), Contains("\"__metadata__\" entry \"epoch\" must be a string, got 3"));
}

TEST_CASE("safetensors load accepts unpadded headers, null metadata and any tensor order",
          "[layers][safetensors]") {
    SafetensorsDir dir;
    const std::string path = dir.file("other.safetensors");
    // "b" holds the first bytes although it is listed last; the header is not padded.
    std::string header = R"({"__metadata__":null,"a":{"data_offsets":[4,12],"shape":[2],"dtype":"F32"},)"
                         R"("b":{"shape":[],"dtype":"F32","data_offsets":[0,4]}})";
    const float values[3] = {5.0f, 1.0f, 2.0f};
    std::string data(reinterpret_cast<const char*>(values), sizeof(values));
    write_bytes(path, u64_le(header.size()) + header + data);
    SafetensorsFile loaded = load_safetensors(path);
    CHECK(loaded.metadata.empty());
    CHECK(loaded.tensors.at("a").to_vector() == std::vector<float>{1.0f, 2.0f});
    CHECK(loaded.tensors.at("b").shape() == Shape{});
    CHECK(loaded.tensors.at("b").item() == 5.0f);
}

TEST_CASE("safetensors load survives corrupted bytes with an Error or a valid result",
          "[layers][safetensors]") {
    // Every single-byte corruption of the header, then random multi-byte ones anywhere: the
    // loader either returns tensors consistent with the file size or throws nabla::Error.
    SafetensorsDir dir;
    const std::string good(kPythonFile.begin(), kPythonFile.end());
    const std::string path = dir.file("fuzz.safetensors");
    auto check_one = [&](const std::string& bytes) {
        write_bytes(path, bytes);
        try {
            SafetensorsFile loaded = load_safetensors(path);
            std::size_t total = 0;
            for (const auto& [name, t] : loaded.tensors) total += static_cast<std::size_t>(t.numel()) * 4;
            CHECK(total <= bytes.size());
        } catch (const Error& e) {
            CHECK_THAT(std::string(e.what()), Contains(path));
        }
    };
    for (std::size_t i = 0; i < 8 + 280; ++i) {
        for (unsigned char flip : {0x01, 0x20, 0x80, 0xff}) {
            std::string bytes = good;
            bytes[i] = static_cast<char>(static_cast<unsigned char>(bytes[i]) ^ flip);
            check_one(bytes);
        }
    }
    std::mt19937 rng(1234);
    for (int trial = 0; trial < 300; ++trial) {
        std::string bytes = good;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) bytes[rng() % bytes.size()] = static_cast<char>(rng());
        check_one(bytes);
    }
    // Tokens spliced into the header, keeping its length: numbers, nesting, escapes.
    const std::vector<std::string> tokens = {
        "1e999", "-1",     "18446744073709551616", "[[", "]}", "\"", "\\u0000", "null", "{\"x\":", "0.5",
        ",",     "\"F32\""};
    for (int trial = 0; trial < 600; ++trial) {
        std::string bytes = good;
        const std::string& token = tokens[rng() % tokens.size()];
        bytes.replace(8 + rng() % (280 - token.size()), token.size(), token);
        check_one(bytes);
    }
}
