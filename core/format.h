#pragma once
// Printing a Tensor: "tensor([[1, 2], [3, 4]], shape=[2, 2])", long dimensions
// abbreviated with "..." (the first and last 3 entries). The same text three ways:
// to_string(t), fmt::print("{}", t) and std::cout << t.
#include "core/tensor.h"

#include <fmt/format.h>

#include <iosfwd>
#include <string>

namespace nabla {
std::string to_string(const Tensor& t);
std::ostream& operator<<(std::ostream& os, const Tensor& t);
}  // namespace nabla

template <>
struct fmt::formatter<nabla::Tensor> : fmt::formatter<std::string> {
    auto format(const nabla::Tensor& t, format_context& ctx) const {
        return fmt::formatter<std::string>::format(nabla::to_string(t), ctx);
    }
};
