#pragma once
// What a claim of the study is made of: the runs it needs (jobs the study runs, caches
// and times), and the report section it writes from their results (chart, table,
// verdict, findings). One file under experiments/ per claim builds one Experiment.
#include "apps/study/run_result.h"
#include "apps/study/table.h"
#include "apps/study/verdict.h"

#include <nabla.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nabla::apps {

// The study's size: quick (scripts/compare, minutes) or full (--full, about two hours),
// and the caps the smoke tests use.
struct Scale {
    bool full = false;
    int seeds = 0;               // > 0: this many seeds everywhere
    std::int64_t max_steps = 0;  // > 0: every run stops there
    std::int64_t limit = 0;      // > 0: every training subset holds at most this many images
    std::int64_t steps(std::int64_t quick, std::int64_t full_steps) const;
    std::vector<std::uint64_t> seed_list(int quick, int full_seeds) const;
    std::int64_t subset(std::int64_t quick, std::int64_t full_size) const;  // 0: all
};

// The data the claims train and test on.
struct StudyData {
    const data::Dataset& train;
    const data::Dataset& test;
    std::string title;         // "MNIST", "Fashion-MNIST"
    double target_low = 0.97;  // the accuracies "steps to" counts to: 97% and 98% on MNIST
    double target_high = 0.98;
};

struct Job {
    std::string id;     // the run's file name in the cache, unique in the study
    std::string label;  // for progress: "convergence: mlp with BN, seed 1"
    double cost = 1.0;  // estimated, in units of one mlp step at batch 64
    std::function<RunResult()> run;
};

struct Figure {
    std::string svg, caption;  // caption: what to look for
};

struct Network {
    std::string name, layers;
    std::int64_t parameters = 0;
};

struct ClaimSection {
    Verdict verdict;
    std::string compared;  // the measurement the verdict compared, in one phrase
    std::vector<Figure> figures;
    Table table;                        // mean and spread over seeds
    std::vector<std::string> findings;  // sentences from the numbers; *emphasis* and `code` allowed
};

using Results = std::map<std::string, RunResult>;

struct Experiment {
    std::string key;     // for --experiments: "convergence"
    std::string title;   // heading: "BN converges in fewer steps"
    std::string claim;   // one sentence
    std::string method;  // one sentence
    std::vector<Job> jobs{};
    std::vector<Network> networks{};
    std::function<ClaimSection(const Results&)> report{};
    // Datasets built for this claim (subsets, relabellings) that its jobs train on.
    std::vector<std::shared_ptr<const data::Dataset>> datasets{};
};

}  // namespace nabla::apps
