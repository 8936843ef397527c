#include "apps/study/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nabla::apps {

Stat stat(const std::vector<double>& v) {
    Stat s;
    s.n = int(v.size());
    if (v.empty()) return s;
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
    s.sd = v.size() > 1 ? std::sqrt(s.sd / double(v.size() - 1)) : 0.0;
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    s.min = *lo;
    s.max = *hi;
    return s;
}

}  // namespace nabla::apps
