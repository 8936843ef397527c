#pragma once
// nabla::Error and the one check macro every op uses.
//
//   NABLA_CHECK(a.dim() == 2, "matmul", "a must be 2-d, got {}", a.shape());
// throws nabla::Error("matmul: a must be 2-d, got [3, 4, 5]").
//
// An error passing through a frame that knows more (the engine running an op's
// backward, a layer calling an op) gains that frame as context instead of being
// re-thrown with its message pasted into a new one:
//   catch (const Error& e) { throw e.with_context("backward of exp"); }
// gives "backward of exp: saved tensor: ...": each level's name appears once,
// outermost first.
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nabla {

// Every error the library raises: the message starts with the op or component name.
// where() is the component whose check failed; context() the frames added on the way
// out, outermost first.
class Error : public std::runtime_error {
public:
    Error(std::string_view where, const std::string& what)
        : std::runtime_error(fmt::format("{}: {}", where, what)), where_(where) {}

    const std::string& where() const { return where_; }
    const std::vector<std::string>& context() const { return context_; }

    // This error as seen from `frame`: the message gains "frame: " in front. A frame equal
    // to the outermost name so far is not repeated, so nested callers may add theirs freely.
    Error with_context(std::string_view frame) const {
        const std::string& outermost = context_.empty() ? where_ : context_.front();
        if (frame.empty() || frame == outermost) return *this;
        std::vector<std::string> context{std::string(frame)};
        context.insert(context.end(), context_.begin(), context_.end());
        return Error(fmt::format("{}: {}", frame, what()), where_, std::move(context));
    }

private:
    Error(const std::string& message, std::string where, std::vector<std::string> context)
        : std::runtime_error(message), where_(std::move(where)), context_(std::move(context)) {}

    std::string where_;
    std::vector<std::string> context_;
};

}  // namespace nabla

#define NABLA_CHECK(cond, where, ...)                                  \
    do {                                                               \
        if (!(cond)) [[unlikely]]                                      \
            throw ::nabla::Error((where), ::fmt::format(__VA_ARGS__)); \
    } while (0)
