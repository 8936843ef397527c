#include "core/format.h"

#include <ostream>

namespace nabla {

namespace {
constexpr std::int64_t kEdge = 3;  // entries shown at each end of a long dimension

void append(std::string& s, const float* p, const Shape& sh, std::int64_t d, std::int64_t stride) {
    const std::int64_t n = sh[d];
    s += '[';
    for (std::int64_t i = 0; i < n; ++i) {
        if (n > 2 * kEdge && i == kEdge) {
            s += "..., ";
            i = n - kEdge;
        }
        if (d + 1 == sh.ndim())
            s += fmt::format("{:.4g}", p[i]);
        else
            append(s, p + i * stride, sh, d + 1, stride / sh[d + 1]);
        if (i + 1 < n) s += ", ";
    }
    s += ']';
}
}  // namespace

std::string to_string(const Tensor& t) {
    if (!t.defined()) return "tensor(undefined)";
    const Shape& sh = t.shape();
    std::string s = "tensor(";
    if (sh.ndim() == 0)
        s += fmt::format("{:.4g}", t.data()[0]);
    else if (sh.numel() == 0)
        s += "[]";
    else
        append(s, t.data(), sh, 0, sh.numel() / sh[0]);
    s += fmt::format(", shape={}", sh);
    if (t.requires_grad()) s += ", requires_grad=true";
    return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace nabla
