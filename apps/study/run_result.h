#pragma once
// What one training run of the study leaves behind: named numbers (final accuracy,
// steps to 97%, ...) and named curves (test error over steps, ...), as JSON so the run
// cache can store it and a rerun read it back.
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace nabla::apps {

struct Curve {
    std::vector<double> x, y;
    void add(double xv, double yv) { x.push_back(xv), y.push_back(yv); }
};

struct RunResult {
    std::string id;  // unique within the study: "convergence/mlp_bn/seed1"
    std::map<std::string, double> values;
    std::map<std::string, Curve> curves;
    double seconds = 0.0;  // wall time of the run

    double value(const std::string& key, double fallback = 0.0) const;
};

std::string to_json(const RunResult& r);
RunResult run_result_from_json(const std::string& text);  // throws nabla::Error on bad input

}  // namespace nabla::apps
