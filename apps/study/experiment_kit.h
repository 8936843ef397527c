#pragma once
// The helpers the experiments share: run ids, seeds, values gathered over seeds, curves
// averaged over seeds with their min-max band, the colours, number formatting.
#include "apps/study/experiment.h"
#include "apps/study/stats.h"
#include "apps/study/svg_chart.h"
#include "apps/study/train.h"

#include <string>
#include <vector>

namespace nabla::apps {

// The same colours in every chart: with BN blue, without red.
inline constexpr const char* kWithBn = "#1f77b4";
inline constexpr const char* kWithoutBn = "#d62728";
inline constexpr const char* kGroupNorm = "#2ca02c";
inline constexpr const char* kLayerNorm = "#9467bd";

// One job per seed of a variant; returns their ids in seed order. `make(seed)` gives the
// run's TrainSpec; the run trains on `train` and tests on `test`.
std::vector<std::string> add_runs(Experiment& e, const std::string& variant, const std::string& label,
                                  const std::vector<std::uint64_t>& seeds, double cost_per_step,
                                  const std::function<TrainSpec(std::uint64_t seed)>& make,
                                  const data::Dataset& train, const data::Dataset& test);

// A value of every run in `ids` (those present).
std::vector<double> values(const Results& r, const std::vector<std::string>& ids, const std::string& key);
std::vector<const RunResult*> runs(const Results& r, const std::vector<std::string>& ids);

// The mean of a curve over runs (points matched by index) with the min-max band.
Series mean_band(const std::string& label, const std::string& color, const std::vector<const RunResult*>& rs,
                 const std::string& curve, bool dashed = false);

// "97.12 ± 0.08" (× scale, `digits` decimals); just the mean for one value.
std::string mean_sd(const Stat& s, double scale = 1.0, int digits = 2);
std::string percent(const Stat& s);  // mean_sd(s, 100) + "%"

// A diverged-runs note for a finding: "" or "2 of 3 runs diverged (NaN loss)".
std::string divergence_note(const Results& r, const std::vector<std::string>& ids);

// The parameter count of a freshly built network.
std::int64_t count_parameters(const std::shared_ptr<nn::Sequential>& m);

}  // namespace nabla::apps
