// Fuzzes the safetensors loader on arbitrary file content, held in an in-memory file.
#include "core/error.h"
#include "fuzz_memfile.h"
#include "layers/safetensors.h"

#include <cstdlib>

using namespace nabla;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static fuzz::MemFile file;
    file.assign(data, size);
    try {
        const SafetensorsFile loaded = load_safetensors(file.path());
        // Accepted files tile their data region exactly: the tensors cannot hold more
        // bytes than the file.
        std::uint64_t bytes = 0;
        for (const auto& [name, t] : loaded.tensors) bytes += std::uint64_t(t.numel()) * sizeof(float);
        if (bytes > size) std::abort();
    } catch (const Error&) {
    }
    return 0;
}
