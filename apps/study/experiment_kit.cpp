#include "apps/study/experiment_kit.h"

#include <algorithm>

namespace nabla::apps {

std::int64_t Scale::steps(std::int64_t quick, std::int64_t full_steps) const {
    const std::int64_t s = full ? full_steps : quick;
    return max_steps > 0 ? std::min(s, max_steps) : s;
}

std::vector<std::uint64_t> Scale::seed_list(int quick, int full_seeds) const {
    const int n = seeds > 0 ? seeds : full ? full_seeds : quick;
    std::vector<std::uint64_t> out;
    for (int i = 0; i < n; ++i) out.push_back(std::uint64_t(i));
    return out;
}

std::int64_t Scale::subset(std::int64_t quick, std::int64_t full_size) const {
    const std::int64_t s = full ? full_size : quick;
    if (limit <= 0) return s;
    return s <= 0 ? limit : std::min(s, limit);
}

std::vector<std::string> add_runs(Experiment& e, const std::string& variant, const std::string& label,
                                  const std::vector<std::uint64_t>& seeds, double cost_per_step,
                                  const std::function<TrainSpec(std::uint64_t seed)>& make,
                                  const data::Dataset& train_set, const data::Dataset& test_set) {
    std::vector<std::string> ids;
    for (auto seed : seeds) {
        const TrainSpec probe = make(seed);
        // The steps are part of the id: a rerun at another scale does not reuse the run.
        const std::string id = fmt::format("{}/{}/{}steps/seed{}", e.key, variant, probe.steps, seed);
        ids.push_back(id);
        e.jobs.push_back({id, fmt::format("{}: {}, seed {}", e.key, label, seed),
                          cost_per_step * double(probe.steps) * double(probe.batch_size) / 64.0,
                          [make, seed, id, &train_set, &test_set] {
                              RunResult r;
                              r.id = id;
                              train(make(seed), train_set, test_set, r);
                              return r;
                          }});
    }
    return ids;
}

std::vector<const RunResult*> runs(const Results& r, const std::vector<std::string>& ids) {
    std::vector<const RunResult*> out;
    for (const auto& id : ids)
        if (auto it = r.find(id); it != r.end()) out.push_back(&it->second);
    return out;
}

std::vector<double> values(const Results& r, const std::vector<std::string>& ids, const std::string& key) {
    std::vector<double> out;
    for (const RunResult* x : runs(r, ids)) out.push_back(x->value(key, std::nan("")));
    return out;
}

Series mean_band(const std::string& label, const std::string& color, const std::vector<const RunResult*>& rs,
                 const std::string& curve, bool dashed) {
    Series s{.label = label, .color = color, .dashed = dashed};
    size_t n = std::numeric_limits<size_t>::max();
    std::vector<const Curve*> cs;
    for (const RunResult* r : rs)
        if (auto it = r->curves.find(curve); it != r->curves.end()) {
            cs.push_back(&it->second);
            n = std::min(n, it->second.x.size());
        }
    if (cs.empty()) return s;
    // Runs that diverged stop early: the band covers the points every run reached.
    for (size_t i = 0; i < n; ++i) {
        std::vector<double> ys;
        for (const Curve* c : cs) ys.push_back(c->y[i]);
        const Stat st = stat(ys);
        s.x.push_back(cs.front()->x[i]);
        s.y.push_back(st.mean);
        if (cs.size() > 1) s.lo.push_back(st.min), s.hi.push_back(st.max);
    }
    return s;
}

std::string mean_sd(const Stat& s, double scale, int digits) {
    if (s.n == 0) return "-";
    if (s.n == 1) return fmt::format("{:.{}f}", scale * s.mean, digits);
    return fmt::format("{:.{}f} ± {:.{}f}", scale * s.mean, digits, scale * s.sd, digits);
}

std::string percent(const Stat& s) { return s.n == 0 ? "-" : mean_sd(s, 100.0) + "%"; }

std::string divergence_note(const Results& r, const std::vector<std::string>& ids) {
    const auto d = values(r, ids, "diverged");
    const auto n = std::count(d.begin(), d.end(), 1.0);
    if (n == 0) return "";
    return fmt::format("{} of {} runs diverged (the loss became NaN or Inf; their accuracy counts as 0)", n,
                       d.size());
}

std::int64_t count_parameters(const std::shared_ptr<nn::Sequential>& m) { return m->parameter_count(); }

}  // namespace nabla::apps
