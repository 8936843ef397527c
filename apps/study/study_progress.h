#pragma once
// Progress over the whole study: one line per run with the time left across all runs,
// estimated from the seconds the finished runs took per unit of their estimated cost.
#include <cstdint>
#include <string>

namespace nabla::apps {

class StudyProgress {
public:
    StudyProgress(int runs, double total_cost, bool quiet);
    void skipped(double cost);  // a cached run: no time spent, its cost leaves the estimate
    void finished(const std::string& label, double cost, double seconds, const std::string& result);

private:
    int runs_, done_ = 0, skipped_ = 0;
    double remaining_cost_, timed_cost_ = 0, timed_seconds_ = 0;
    bool quiet_;
};

std::string format_duration(double seconds);  // "45 s", "3 min 05 s", "1 h 12 min"

}  // namespace nabla::apps
