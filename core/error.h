#pragma once
// nabla::Error and the one check macro every op uses.
//
//   NABLA_CHECK(a.dim() == 2, "matmul", "a must be 2-d, got {}", a.shape());
// throws nabla::Error("matmul: a must be 2-d, got [3, 4, 5]").
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace nabla {

// Every error the library raises: the message starts with the op or component name.
class Error : public std::runtime_error {
public:
    Error(std::string_view where, const std::string& what)
        : std::runtime_error(fmt::format("{}: {}", where, what)), where_(where) {}
    const std::string& where() const { return where_; }

private:
    std::string where_;
};

}  // namespace nabla

#define NABLA_CHECK(cond, where, ...)                                      \
    do {                                                                   \
        if (!(cond)) [[unlikely]]                                          \
            throw ::nabla::Error((where), ::fmt::format(__VA_ARGS__));     \
    } while (0)
