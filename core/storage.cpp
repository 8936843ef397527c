#include "core/storage.h"

#include "core/error.h"

#include <new>

namespace nabla {

namespace {
constexpr std::align_val_t kAlign{64};
}

void Storage::Free::operator()(float* p) const { ::operator delete[](p, kAlign); }

Storage::Storage(std::int64_t numel) : numel_(numel) {
    NABLA_CHECK(numel >= 0, "Storage", "negative size {}", numel);
    const auto n = static_cast<size_t>(numel == 0 ? 1 : numel);
    data_.reset(static_cast<float*>(::operator new[](n * sizeof(float), kAlign)));
}

}  // namespace nabla
