#pragma once
// Mean and spread of one measurement over seeds, the numbers every claim's table and
// verdict are made of.
#include <vector>

namespace nabla::apps {

struct Stat {
    double mean = 0.0, sd = 0.0;  // sd: sample standard deviation (n - 1), 0 for one value
    double min = 0.0, max = 0.0;
    int n = 0;
};
Stat stat(const std::vector<double>& values);

}  // namespace nabla::apps
