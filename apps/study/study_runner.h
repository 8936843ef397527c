#pragma once
// Runs every job of the chosen experiments in order, reading completed runs from the
// cache instead of training them again and storing each new run the moment it ends.
#include "apps/study/experiment.h"
#include "apps/study/run_cache.h"

#include <vector>

namespace nabla::apps {

struct StudyRun {
    Results results;
    int total = 0, cached = 0;
    double seconds = 0.0;  // training time of this invocation
};

StudyRun run_jobs(const std::vector<Experiment>& experiments, const RunCache& cache, bool quiet);

}  // namespace nabla::apps
