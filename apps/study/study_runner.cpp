#include "apps/study/study_runner.h"

#include "apps/study/study_progress.h"

#include <fmt/format.h>

#include <chrono>

namespace nabla::apps {

StudyRun run_jobs(const std::vector<Experiment>& experiments, const RunCache& cache, bool quiet) {
    StudyRun out;
    double cost = 0;
    for (const Experiment& e : experiments)
        for (const Job& j : e.jobs) cost += j.cost, ++out.total;
    StudyProgress progress(out.total, cost, quiet);
    for (const Experiment& e : experiments)
        for (const Job& j : e.jobs) {
            if (auto stored = cache.find(j.id)) {
                out.results[j.id] = *stored;
                ++out.cached;
                progress.skipped(j.cost);
                continue;
            }
            const auto t0 = std::chrono::steady_clock::now();
            RunResult r = j.run();
            r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            out.seconds += r.seconds;
            cache.store(r);
            const bool diverged = r.value("diverged") != 0.0;
            progress.finished(j.label, j.cost, r.seconds,
                              diverged
                                  ? fmt::format("diverged at step {:.0f}", r.value("steps_done"))
                                  : fmt::format("test accuracy {:.2f}%", 100 * r.value("final_accuracy")));
            out.results[j.id] = std::move(r);
        }
    return out;
}

}  // namespace nabla::apps
