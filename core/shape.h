#pragma once
// Shape: the dimensions of a tensor, outermost first (row-major, NCHW for images).
#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

namespace nabla {

class Shape {
public:
    Shape() = default;
    Shape(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
    explicit Shape(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {}

    std::int64_t ndim() const { return static_cast<std::int64_t>(dims_.size()); }
    std::int64_t numel() const;
    std::int64_t operator[](std::int64_t i) const { return dims_[static_cast<size_t>(i)]; }
    std::int64_t& operator[](std::int64_t i) { return dims_[static_cast<size_t>(i)]; }
    // Negative i counts from the end, like Python; throws naming `op` when out of range.
    std::int64_t wrap_dim(std::int64_t i, const char* op) const;
    const std::vector<std::int64_t>& dims() const { return dims_; }
    std::vector<std::int64_t> strides() const;  // contiguous row-major strides
    bool operator==(const Shape&) const = default;
    std::string str() const;  // "[2, 3]"

private:
    std::vector<std::int64_t> dims_;
};

// The shape a broadcasting elementwise op produces (NumPy rules); throws naming `op`.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

std::ostream& operator<<(std::ostream& os, const Shape& s);  // "[2, 3]", as fmt prints it

}  // namespace nabla

template <>
struct fmt::formatter<nabla::Shape> : fmt::formatter<std::string> {
    auto format(const nabla::Shape& s, format_context& ctx) const {
        return fmt::formatter<std::string>::format(s.str(), ctx);
    }
};
