#pragma once
// The study's report: report.html (self-contained, inline SVG charts), report.md (the
// same text, the charts as SVG files beside it, one `Verdict: ...` line under each
// claim's heading) and verdicts.csv. Every file is written atomically.
#include "apps/study/experiment.h"

#include <string>
#include <vector>

namespace nabla::apps {

struct ReportContext {
    std::string mode;     // "quick" or "full"
    std::string dataset;  // "MNIST"
    std::string command;  // the command line that produced it
    std::string machine, blas, revision, date;
    std::string docs_link;  // docs/batchnorm.md relative to the report
    double seconds = 0;     // the study's run time (this invocation)
    int cached_runs = 0, total_runs = 0;
};

struct ClaimReport {
    const Experiment* experiment;
    ClaimSection section;
};

// Writes everything into `dir`; returns the verdict table as text for the terminal.
std::string write_report(const std::string& dir, const ReportContext& ctx,
                         const std::vector<ClaimReport>& claims);

}  // namespace nabla::apps
