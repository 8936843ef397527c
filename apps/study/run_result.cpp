#include "apps/study/run_result.h"

#include <nabla.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace nabla::apps {

double RunResult::value(const std::string& key, double fallback) const {
    const auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
}

namespace {
// JSON has no NaN or Inf: they travel as null and come back as NaN.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double number(const nlohmann::json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }
}  // namespace

std::string to_json(const RunResult& r) {
    nlohmann::json j;
    j["id"] = r.id;
    j["seconds"] = r.seconds;
    j["values"] = nlohmann::json::object();
    for (const auto& [k, v] : r.values) j["values"][k] = number(v);
    j["curves"] = nlohmann::json::object();
    for (const auto& [k, c] : r.curves) {
        nlohmann::json xs = nlohmann::json::array(), ys = nlohmann::json::array();
        for (double v : c.x) xs.push_back(number(v));
        for (double v : c.y) ys.push_back(number(v));
        j["curves"][k] = {{"x", xs}, {"y", ys}};
    }
    return j.dump() + "\n";
}

RunResult run_result_from_json(const std::string& text) {
    try {
        const auto j = nlohmann::json::parse(text);
        RunResult r;
        r.id = j.at("id").get<std::string>();
        r.seconds = j.at("seconds").get<double>();
        for (const auto& [k, v] : j.at("values").items()) r.values[k] = number(v);
        for (const auto& [k, c] : j.at("curves").items()) {
            Curve& out = r.curves[k];
            for (const auto& v : c.at("x")) out.x.push_back(number(v));
            for (const auto& v : c.at("y")) out.y.push_back(number(v));
            NABLA_CHECK(out.x.size() == out.y.size(), "run_result", "curve '{}' has {} x and {} y values", k,
                        out.x.size(), out.y.size());
        }
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw Error("run_result", fmt::format("not a stored run: {}", e.what()));
    }
}

}  // namespace nabla::apps
