#include "apps/study/verdict.h"

#include "apps/study/stats.h"

#include <fmt/format.h>

#include <cmath>

namespace nabla::apps {

Verdict judge(const std::vector<double>& a, const std::vector<double>& b) {
    Verdict v;
    const Stat sa = stat(a), sb = stat(b);
    v.difference = sa.mean - sb.mean;
    const int dof = sa.n + sb.n - 2;
    if (sa.n == 0 || sb.n == 0 || dof < 1) {
        v.reason = fmt::format("{} and {} values: too few seeds to estimate the noise", sa.n, sb.n);
        return v;
    }
    v.pooled_sd = std::sqrt(((sa.n - 1) * sa.sd * sa.sd + (sb.n - 1) * sb.sd * sb.sd) / dof);
    if (v.difference > 2 * v.pooled_sd)
        v.outcome = Outcome::supported;
    else if (v.difference < -2 * v.pooled_sd)
        v.outcome = Outcome::contradicted;
    v.reason = fmt::format(
        "difference {:.4g} in the claimed direction against twice the pooled standard "
        "deviation {:.4g} ({} and {} seeds)",
        v.difference, 2 * v.pooled_sd, sa.n, sb.n);
    return v;
}

const char* outcome_name(Outcome o) {
    switch (o) {
        case Outcome::supported: return "supported";
        case Outcome::contradicted: return "contradicted";
        case Outcome::inconclusive: break;
    }
    return "inconclusive";
}

}  // namespace nabla::apps
