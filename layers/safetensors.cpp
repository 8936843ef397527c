#include "layers/safetensors.h"

#include "core/error.h"
#include "layers/atomic_file.h"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

namespace nabla {

// Tensor bytes go to disk as they sit in memory; a big-endian port needs a byte swap here.
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

constexpr const char* kSave = "save_safetensors";
constexpr const char* kLoad = "load_safetensors";
constexpr const char* kMetadataKey = "__metadata__";
constexpr std::uint64_t kPrefixBytes = 8;
// The Python library's limit: a corrupt length must not make us allocate gigabytes.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// A valid header nests three deep (file, tensor, shape); refusing deeper input early keeps
// the recursive parts of nlohmann (dump, destruction) away from hostile nesting.
constexpr int kMaxHeaderDepth = 8;
// Every byte count must fit in int64 (file offsets, Shape::numel).
constexpr std::uint64_t kMaxNumel = std::numeric_limits<std::int64_t>::max() / sizeof(float);

std::string errno_text() { return std::strerror(errno); }

// Names and values from a file go into messages clipped: a hostile key may be megabytes long.
std::string clip(const std::string& s) { return s.size() <= 80 ? s : s.substr(0, 80) + "..."; }
std::string describe(const nlohmann::json& v) { return clip(v.dump()); }

// Owns a file descriptor open for reading.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// ---------------------------------------------------------------- saving

using Entry = const NamedTensors::value_type*;

// Compact JSON, "__metadata__" first, then the tensors in data order, fields in the order
// dtype, shape, data_offsets: what the Python library writes, so the bytes match.
std::string build_header(const std::string& path, const std::vector<Entry>& sorted,
                         const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header[kMetadataKey] = metadata;
    std::uint64_t offset = 0;
    for (const Entry e : sorted) {
        const auto bytes = static_cast<std::uint64_t>(e->second.numel()) * sizeof(float);
        nlohmann::ordered_json info = nlohmann::ordered_json::object();
        info["dtype"] = "F32";
        info["shape"] = e->second.shape().dims();
        info["data_offsets"] = {offset, offset + bytes};
        header[e->first] = std::move(info);
        offset += bytes;
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::exception& err) {
        throw Error(kSave, fmt::format("'{}': a tensor name or metadata string is not valid UTF-8 ({})", path,
                                       err.what()));
    }
    text.append((kPrefixBytes - text.size() % kPrefixBytes) % kPrefixBytes, ' ');
    return text;
}

// ---------------------------------------------------------------- loading

void read_at(int fd, void* out, std::uint64_t n, std::uint64_t offset, const std::string& path) {
    char* p = static_cast<char*>(out);
    while (n > 0) {
        const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
        if (r < 0 && errno == EINTR) continue;
        NABLA_CHECK(r >= 0, kLoad, "reading '{}' at byte {} failed: {}", path, offset, errno_text());
        NABLA_CHECK(r > 0, kLoad, "'{}' ended at byte {} while {} more bytes were expected", path, offset, n);
        p += r;
        n -= static_cast<std::uint64_t>(r);
        offset += static_cast<std::uint64_t>(r);
    }
}

nlohmann::json parse_header(const std::string& text, const std::string& path) {
    // nlohmann stops at a NUL as if the input ended there, which would hide what follows it;
    // valid JSON never holds a raw NUL (strings escape it).
    const auto nul = text.find('\0');
    NABLA_CHECK(nul == std::string::npos, kLoad, "'{}': the header holds a NUL byte at file byte {}", path,
                kPrefixBytes + nul);
    // nlohmann keeps the last of repeated keys silently; a file saying two things is corrupt.
    std::vector<std::set<std::string>> keys_of_open_objects;
    auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& value) {
        using Event = nlohmann::json::parse_event_t;
        NABLA_CHECK(depth < kMaxHeaderDepth, kLoad,
                    "'{}': header nests deeper than {} levels; a safetensors header needs 3", path,
                    kMaxHeaderDepth);
        if (event == Event::object_start) keys_of_open_objects.emplace_back();
        if (event == Event::object_end) keys_of_open_objects.pop_back();
        if (event == Event::key) {
            const auto& key = value.get_ref<const std::string&>();
            NABLA_CHECK(keys_of_open_objects.back().insert(key).second, kLoad,
                        "'{}': header repeats the key \"{}\"", path, clip(key));
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text, on_event);
    } catch (const nlohmann::json::parse_error& err) {
        std::string what = err.what();
        if (const auto tag_end = what.find("] "); tag_end != std::string::npos)
            what.erase(0, tag_end + 2);  // drop "[json.exception.parse_error.101]"
        throw Error(
            kLoad,
            fmt::format("'{}': the header (file bytes [{}, {})) is not valid JSON near file byte {}: {}",
                        path, kPrefixBytes, kPrefixBytes + text.size(),
                        kPrefixBytes + std::max<std::size_t>(err.byte, 1) - 1, what));
    } catch (const nlohmann::json::exception& err) {  // e.g. a number overflowing double: 1e999
        throw Error(kLoad, fmt::format("'{}': the header (file bytes [{}, {})) is not usable JSON: {}", path,
                                       kPrefixBytes, kPrefixBytes + text.size(), err.what()));
    }
}

std::map<std::string, std::string> parse_metadata(const nlohmann::json& value, const std::string& path) {
    std::map<std::string, std::string> metadata;
    if (value.is_null()) return metadata;
    NABLA_CHECK(value.is_object(), kLoad, "'{}': \"{}\" must be an object of strings, got {}", path,
                kMetadataKey, describe(value));
    for (const auto& [key, v] : value.items()) {
        NABLA_CHECK(v.is_string(), kLoad, "'{}': \"{}\" entry \"{}\" must be a string, got {}", path,
                    kMetadataKey, clip(key), describe(v));
        metadata.emplace(key, v.get<std::string>());
    }
    return metadata;
}

struct TensorInfo {
    std::string name;
    Shape shape;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

const nlohmann::json& field(const nlohmann::json& info, const char* name, const std::string& where) {
    auto it = info.find(name);
    NABLA_CHECK(it != info.end(), kLoad, "{}: missing field \"{}\"", where, name);
    return *it;
}

std::uint64_t non_negative_integer(const nlohmann::json& v, const char* what, const std::string& where) {
    NABLA_CHECK(v.is_number_unsigned(), kLoad, "{}: {} must be non-negative integers, got {}", where, what,
                describe(v));
    return v.get<std::uint64_t>();
}

TensorInfo parse_tensor_info(const std::string& name, const nlohmann::json& info, const std::string& path,
                             std::uint64_t data_bytes) {
    const std::string where = fmt::format("'{}': tensor \"{}\"", path, clip(name));
    NABLA_CHECK(info.is_object(), kLoad, "{}: expected an object with dtype, shape and data_offsets, got {}",
                where, describe(info));
    for (const auto& [key, v] : info.items())
        NABLA_CHECK(key == "dtype" || key == "shape" || key == "data_offsets", kLoad,
                    "{}: unknown field \"{}\"", where, clip(key));

    const auto& dtype = field(info, "dtype", where);
    NABLA_CHECK(dtype.is_string(), kLoad, "{}: \"dtype\" must be a string, got {}", where, describe(dtype));
    NABLA_CHECK(dtype == "F32", kLoad, "{}: dtype {} is not supported; only F32 can be loaded", where,
                describe(dtype));

    const auto& shape = field(info, "shape", where);
    NABLA_CHECK(shape.is_array(), kLoad, "{}: \"shape\" must be an array, got {}", where, describe(shape));
    std::vector<std::int64_t> dims;
    std::uint64_t nonzero_product = 1;  // bounds every partial product, so Shape::numel cannot overflow
    bool has_zero = false;
    for (const auto& d : shape) {
        const std::uint64_t n = non_negative_integer(d, "\"shape\" entries", where);
        has_zero |= n == 0;
        if (n != 0) {
            NABLA_CHECK(n <= kMaxNumel / nonzero_product, kLoad, "{}: shape {} has too many elements", where,
                        describe(shape));
            nonzero_product *= n;
        }
        dims.push_back(static_cast<std::int64_t>(n));
    }
    const std::uint64_t bytes = has_zero ? 0 : nonzero_product * sizeof(float);

    const auto& offsets = field(info, "data_offsets", where);
    NABLA_CHECK(offsets.is_array() && offsets.size() == 2, kLoad,
                "{}: \"data_offsets\" must be an array [begin, end], got {}", where, describe(offsets));
    const std::uint64_t begin = non_negative_integer(offsets[0], "\"data_offsets\"", where);
    const std::uint64_t end = non_negative_integer(offsets[1], "\"data_offsets\"", where);
    NABLA_CHECK(begin <= end, kLoad, "{}: data_offsets [{}, {}] end before they begin", where, begin, end);
    NABLA_CHECK(end <= data_bytes, kLoad, "{}: data_offsets [{}, {}] run past the {}-byte data region", where,
                begin, end, data_bytes);
    NABLA_CHECK(end - begin == bytes, kLoad,
                "{}: data_offsets [{}, {}] span {} bytes but shape {} of F32 needs {} bytes", where, begin,
                end, end - begin, describe(shape), bytes);
    return {name, Shape(std::move(dims)), begin, end};
}

// The tensors must tile the data region exactly, as the Python library requires: no
// overlap (two tensors aliasing bytes), no gap and no trailing bytes (a sign of corruption).
void check_tiling(std::vector<TensorInfo>& infos, const std::string& path, std::uint64_t data_start,
                  std::uint64_t data_bytes) {
    std::sort(infos.begin(), infos.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
    });
    std::uint64_t covered = 0;
    for (std::size_t i = 0; i < infos.size(); ++i) {
        const TensorInfo& t = infos[i];
        NABLA_CHECK(t.begin >= covered, kLoad,
                    "'{}': tensor \"{}\" (data bytes [{}, {})) overlaps tensor \"{}\" "
                    "(data bytes [{}, {}))",
                    path, clip(t.name), t.begin, t.end, clip(infos[i - 1].name), infos[i - 1].begin,
                    infos[i - 1].end);
        NABLA_CHECK(t.begin == covered, kLoad,
                    "'{}': data bytes [{}, {}) (file bytes [{}, {})) belong to no tensor", path, covered,
                    t.begin, data_start + covered, data_start + t.begin);
        covered = t.end;
    }
    NABLA_CHECK(covered == data_bytes, kLoad,
                "'{}': the data region (file bytes [{}, {})) is {} bytes but the tensors cover only {}; "
                "the file has trailing bytes",
                path, data_start, data_start + data_bytes, data_bytes, covered);
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
    // Everything that can be checked is checked before the disk is touched.
    std::vector<Entry> sorted;
    for (const auto& entry : tensors) {
        NABLA_CHECK(entry.first != kMetadataKey, kSave, "'{}': \"{}\" is reserved and cannot name a tensor",
                    path, kMetadataKey);
        NABLA_CHECK(entry.second.defined(), kSave, "'{}': tensor \"{}\" is undefined", path,
                    clip(entry.first));
        sorted.push_back(&entry);
    }
    std::sort(sorted.begin(), sorted.end(), [](Entry a, Entry b) { return a->first < b->first; });
    for (std::size_t i = 1; i < sorted.size(); ++i)
        NABLA_CHECK(sorted[i]->first != sorted[i - 1]->first, kSave, "'{}': two tensors are named \"{}\"",
                    path, clip(sorted[i]->first));
    const std::string header = build_header(path, sorted, metadata);

    unsigned char prefix[kPrefixBytes];
    for (std::uint64_t i = 0; i < kPrefixBytes; ++i)
        prefix[i] = static_cast<unsigned char>(header.size() >> (8 * i));

    AtomicFile file(path, kSave);
    file.write(prefix, kPrefixBytes);
    file.write(header.data(), header.size());
    for (const Entry e : sorted)
        file.write(e->second.data(), static_cast<std::uint64_t>(e->second.numel()) * sizeof(float));
    file.commit();
}

SafetensorsFile load_safetensors(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    NABLA_CHECK(fd.get() >= 0, kLoad, "cannot open '{}': {}", path, errno_text());
    struct stat st {};
    NABLA_CHECK(::fstat(fd.get(), &st) == 0, kLoad, "cannot stat '{}': {}", path, errno_text());
    NABLA_CHECK(S_ISREG(st.st_mode), kLoad, "'{}' is not a regular file", path);
    const auto file_bytes = static_cast<std::uint64_t>(st.st_size);
    NABLA_CHECK(file_bytes >= kPrefixBytes, kLoad,
                "'{}' is {} bytes long, shorter than the 8-byte header length that starts a safetensors file",
                path, file_bytes);

    unsigned char prefix[kPrefixBytes];
    read_at(fd.get(), prefix, kPrefixBytes, 0, path);
    std::uint64_t header_bytes = 0;
    for (std::uint64_t i = 0; i < kPrefixBytes; ++i) header_bytes |= std::uint64_t{prefix[i]} << (8 * i);
    NABLA_CHECK(
        header_bytes <= file_bytes - kPrefixBytes, kLoad,
        "'{}': the header length in bytes 0 to 7 is {}, but only {} bytes follow; the file is truncated "
        "or not safetensors",
        path, header_bytes, file_bytes - kPrefixBytes);
    NABLA_CHECK(header_bytes <= kMaxHeaderBytes, kLoad,
                "'{}': the header length in bytes 0 to 7 is {}, over the {} "
                "limit",
                path, header_bytes, kMaxHeaderBytes);

    std::string text(header_bytes, '\0');
    read_at(fd.get(), text.data(), header_bytes, kPrefixBytes, path);
    const nlohmann::json header = parse_header(text, path);
    NABLA_CHECK(header.is_object(), kLoad, "'{}': the header must be a JSON object, got {}", path,
                describe(header));

    const std::uint64_t data_start = kPrefixBytes + header_bytes;
    const std::uint64_t data_bytes = file_bytes - data_start;
    SafetensorsFile result;
    std::vector<TensorInfo> infos;
    for (const auto& [key, value] : header.items()) {
        if (key == kMetadataKey)
            result.metadata = parse_metadata(value, path);
        else
            infos.push_back(parse_tensor_info(key, value, path, data_bytes));
    }
    check_tiling(infos, path, data_start, data_bytes);

    // Sizes are trusted only now: together they equal the bytes actually in the file.
    for (const TensorInfo& info : infos) {
        Tensor t = empty(info.shape);
        read_at(fd.get(), t.data(), info.end - info.begin, data_start + info.begin, path);
        result.tensors.emplace(info.name, std::move(t));
    }
    return result;
}

}  // namespace nabla
