#include "core/shape.h"

#include "core/error.h"

#include <algorithm>
#include <ostream>

namespace nabla {

std::int64_t Shape::numel() const {
    std::int64_t n = 1;
    for (auto d : dims_) n *= d;
    return n;
}

std::int64_t Shape::wrap_dim(std::int64_t i, const char* op) const {
    const std::int64_t n = ndim();
    NABLA_CHECK(i >= -n && i < n, op, "dimension {} out of range for shape {}", i, str());
    return i < 0 ? i + n : i;
}

std::vector<std::int64_t> Shape::strides() const {
    std::vector<std::int64_t> s(dims_.size(), 1);
    for (std::int64_t i = ndim() - 2; i >= 0; --i) s[size_t(i)] = s[size_t(i + 1)] * dims_[size_t(i + 1)];
    return s;
}

std::string Shape::str() const { return fmt::format("[{}]", fmt::join(dims_, ", ")); }

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
    const std::int64_t n = std::max(a.ndim(), b.ndim());
    std::vector<std::int64_t> out(size_t(n), 1);
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t da = i < n - a.ndim() ? 1 : a[i - (n - a.ndim())];
        const std::int64_t db = i < n - b.ndim() ? 1 : b[i - (n - b.ndim())];
        NABLA_CHECK(da == db || da == 1 || db == 1, op, "shapes {} and {} do not broadcast", a, b);
        out[size_t(i)] = da == 1 ? db : da;
    }
    return Shape(std::move(out));
}

}  // namespace nabla
