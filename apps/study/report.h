#pragma once
// The comparison's output directory: report.html (self-contained, inline SVG),
// report.md (the same tables), summary.csv and one CSV per curve. Every file is
// written atomically (layers/atomic_file.h), so a killed run leaves no half-written file.
#include "apps/study/run.h"

#include <string>
#include <vector>

namespace nabla::apps {

struct ReportContext {
    std::string mode;     // "quick" or "full"
    std::string command;  // the command line that produced it
    std::string machine, blas, revision, date;
};

// Writes everything into `dir` (created if needed); returns the summary table as text
// for the terminal.
std::string write_report(const std::string& dir, const ReportContext& ctx,
                         const std::vector<RunResult>& runs);

}  // namespace nabla::apps
