#pragma once
// The answer of a check helper: whether the check passed and, when it did not, why.
// Helpers return one and the case asserts it, REQUIRE(all_close(y, want)), so a failure
// points at the line of the case, and Catch prints the explanation as the expansion.
#include <ostream>
#include <string>
#include <utility>

namespace nabla::test {

struct Verdict {
    bool ok = true;
    std::string why;  // what differed; empty when ok

    static Verdict pass() { return {}; }
    static Verdict fail(std::string why) { return {false, std::move(why)}; }
    explicit operator bool() const { return ok; }
};

inline std::ostream& operator<<(std::ostream& os, const Verdict& v) {
    return os << (v.ok ? "passed" : v.why);
}

}  // namespace nabla::test
