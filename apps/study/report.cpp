#include "apps/study/report.h"

#include "apps/study/svg_chart.h"
#include "apps/study/table.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

namespace nabla::apps {

namespace {

namespace fs = std::filesystem;
constexpr const char* kPlain = "#d62728";  // without BN: red
constexpr const char* kBn = "#1f77b4";     // with BN: blue

struct Stat {
    double mean = 0.0, sd = 0.0;
    int n = 0;
};
Stat stat(const std::vector<double>& v) {
    Stat s;
    s.n = int(v.size());
    if (v.empty()) return s;
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
    s.sd = v.size() > 1 ? std::sqrt(s.sd / double(v.size() - 1)) : 0.0;
    return s;
}
std::string pct(const Stat& s) {
    return s.n > 1 ? fmt::format("{:.2f}% ± {:.2f}", 100 * s.mean, 100 * s.sd)
                   : fmt::format("{:.2f}%", 100 * s.mean);
}

// All seeds of one (experiment, model) row of the summary.
struct Row {
    std::string experiment, model;
    std::vector<const RunResult*> runs;
};

std::vector<Row> group_rows(const std::vector<RunResult>& runs) {
    std::vector<Row> rows;
    for (const auto& r : runs) {
        auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& x) {
            return x.experiment == r.spec.experiment && x.model == r.name;
        });
        if (it == rows.end()) rows.push_back({r.spec.experiment, r.name, {}}), it = rows.end() - 1;
        it->runs.push_back(&r);
    }
    return rows;
}

std::string steps_to(const Row& row, double threshold) {
    std::vector<std::string> parts;
    for (const RunResult* r : row.runs) {
        const auto s = steps_to_accuracy(*r, threshold);
        parts.push_back(s < 0 ? "not reached" : fmt::format("{}", s));
    }
    return fmt::format("{}", fmt::join(parts, " / "));
}

std::string status(const Row& row) {
    std::vector<std::string> parts;
    for (const RunResult* r : row.runs) {
        if (r->diverged)
            parts.push_back(fmt::format("diverged (NaN/Inf loss) at step {}", r->steps_done + 1));
        else if (final_accuracy(*r) < 0.5)
            parts.push_back(fmt::format("stalled at {:.1f}%", 100 * final_accuracy(*r)));
        else
            parts.push_back("trained");
    }
    return fmt::format("{}", fmt::join(parts, " / "));
}

Table summary_table(const std::vector<Row>& rows) {
    Table t{{"experiment", "model", "params", "optimizer", "lr", "batch", "steps", "final test acc",
             "best test acc", "steps to 97%", "steps to 98%", "s/epoch", "status"},
            {}};
    for (const Row& row : rows) {
        std::vector<double> fin, best, spe;
        for (const RunResult* r : row.runs) {
            fin.push_back(final_accuracy(*r));
            best.push_back(best_accuracy(*r));
            spe.push_back(r->seconds_per_epoch);
        }
        const RunSpec& s = row.runs.front()->spec;
        t.rows.push_back({row.experiment, row.model, fmt::format("{}", row.runs.front()->parameters),
                          s.optimizer.name, fmt::format("{:g}", s.optimizer.lr),
                          fmt::format("{}", s.batch_size), fmt::format("{}", s.steps), pct(stat(fin)),
                          pct(stat(best)), steps_to(row, 0.97), steps_to(row, 0.98),
                          fmt::format("{:.1f}", stat(spe).mean), status(row)});
    }
    return t;
}

// The first seed's run of each model in an experiment: the curves drawn.
std::vector<const RunResult*> first_seed_runs(const std::vector<RunResult>& runs,
                                              const std::string& experiment) {
    std::vector<const RunResult*> out;
    for (const auto& r : runs)
        if (r.spec.experiment == experiment &&
            std::none_of(out.begin(), out.end(), [&](const RunResult* o) { return o->name == r.name; }))
            out.push_back(&r);
    return out;
}

Series loss_series(const RunResult& r) {
    Series s{r.spec.bn ? "with BN" : "without BN", r.spec.bn ? kBn : kPlain, {}, {}, !r.spec.bn};
    for (const auto& p : r.loss) s.x.push_back(double(p.step)), s.y.push_back(p.loss);
    return s;
}

Series accuracy_series(const RunResult& r, double train_size) {
    Series s{r.spec.bn ? "with BN" : "without BN", r.spec.bn ? kBn : kPlain, {}, {}, !r.spec.bn};
    for (const auto& e : r.evals)
        s.x.push_back(double(e.step * r.spec.batch_size) / train_size), s.y.push_back(100 * e.accuracy);
    return s;
}

std::vector<Series> percentile_series(const RunResult& r) {
    std::vector<Series> out{{"15th percentile", "#7f7f7f", {}, {}, true},
                            {"50th percentile", r.spec.bn ? kBn : kPlain, {}, {}, false},
                            {"85th percentile", "#7f7f7f", {}, {}, true}};
    for (const auto& p : r.percentiles) {
        for (auto& s : out) s.x.push_back(double(p.step));
        out[0].y.push_back(p.p15);
        out[1].y.push_back(p.p50);
        out[2].y.push_back(p.p85);
    }
    return out;
}

// Plain-language findings, computed from the numbers whatever they are.
std::vector<std::string> findings(const std::vector<RunResult>& runs) {
    std::vector<std::string> out;
    for (const char* exp : {"mlp", "cnn", "high_lr", "ioffe"}) {
        const auto pair = first_seed_runs(runs, exp);
        const RunResult *plain = nullptr, *bn = nullptr;
        for (const RunResult* r : pair) (r->spec.bn ? bn : plain) = r;
        if (!plain || !bn) continue;
        std::string s = fmt::format("**{}**: final test accuracy {:.2f}% with BN vs {:.2f}% without", exp,
                                    100 * final_accuracy(*bn), 100 * final_accuracy(*plain));
        for (double th : {0.97, 0.98}) {
            const auto a = steps_to_accuracy(*bn, th), b = steps_to_accuracy(*plain, th);
            if (a >= 0 && b >= 0)
                s += fmt::format("; {:.0f}% reached after {} steps with BN, {} without", 100 * th, a, b);
            else if (a >= 0)
                s += fmt::format("; {:.0f}% reached after {} steps with BN, never without", 100 * th, a);
            else if (b >= 0)
                s += fmt::format("; {:.0f}% reached after {} steps without BN, never with", 100 * th, b);
        }
        if (plain->diverged)
            s += fmt::format(". Without BN the loss became NaN/Inf at step {}", plain->steps_done + 1);
        if (bn->diverged)
            s += fmt::format(". With BN the loss became NaN/Inf at step {}", bn->steps_done + 1);
        if (!plain->percentiles.empty() && !bn->percentiles.empty()) {
            auto drift = [](const RunResult& r) {
                const auto& p = r.percentiles;
                return fmt::format("median {:+.2f} -> {:+.2f}, 15-85 spread {:.2f} -> {:.2f}", p.front().p50,
                                   p.back().p50, p.front().p85 - p.front().p15, p.back().p85 - p.back().p15);
            };
            s += fmt::format(". Sigmoid input (first -> last measurement): without BN {}; with BN {}",
                             drift(*plain), drift(*bn));
        }
        out.push_back(s + ".");
    }
    return out;
}

// Every file of the report is replaced whole (layers/atomic_file.h).
void write_report_file(const std::string& path, const std::string& content) {
    write_file_atomic(path, content, "report");
}

std::string csv_name(const RunResult& r, const char* what) {
    return fmt::format("{}_{}_seed{}_{}.csv", r.spec.experiment, r.name, r.spec.seed, what);
}

}  // namespace

std::string write_report(const std::string& dir, const ReportContext& ctx,
                         const std::vector<RunResult>& runs) {
    fs::create_directories(dir);
    const auto rows = group_rows(runs);
    const Table summary = summary_table(rows);
    constexpr double kTrainSize = 60000.0;

    // CSV files: every curve of every run.
    std::string summary_csv = fmt::format("{}\n", fmt::join(summary.header, ","));
    for (const auto& r : summary.rows) summary_csv += fmt::format("\"{}\"\n", fmt::join(r, "\",\""));
    write_report_file(dir + "/summary.csv", summary_csv);
    for (const auto& r : runs) {
        std::string loss = "step,train_loss\n", evals = "step,epoch,test_accuracy,test_loss\n";
        for (const auto& p : r.loss) loss += fmt::format("{},{:.6g}\n", p.step, p.loss);
        for (const auto& e : r.evals)
            evals += fmt::format("{},{:.4f},{:.6g},{:.6g}\n", e.step,
                                 double(e.step * r.spec.batch_size) / kTrainSize, e.accuracy, e.loss);
        write_report_file(dir + "/" + csv_name(r, "loss"), loss);
        write_report_file(dir + "/" + csv_name(r, "test"), evals);
        if (!r.percentiles.empty()) {
            std::string p = "step,p15,p50,p85\n";
            for (const auto& q : r.percentiles)
                p += fmt::format("{},{:.6g},{:.6g},{:.6g}\n", q.step, q.p15, q.p50, q.p85);
            write_report_file(dir + "/" + csv_name(r, "sigmoid_input_percentiles"), p);
        }
    }

    // Charts.
    std::string charts;
    auto add_chart = [&](const Chart& c) { charts += "<div class=\"chart\">" + render_svg(c) + "</div>\n"; };
    for (const char* exp : {"mlp", "cnn", "high_lr", "ioffe"}) {
        const auto pair = first_seed_runs(runs, exp);
        if (pair.empty()) continue;
        charts += fmt::format("<h3>{}</h3>\n", exp);
        Chart loss{fmt::format("{}: training loss", exp), "step", "mean training loss", {}};
        Chart acc{fmt::format("{}: test accuracy", exp), "epoch", "test accuracy (%)", {}};
        for (const RunResult* r : pair) {
            loss.series.push_back(loss_series(*r));
            acc.series.push_back(accuracy_series(*r, kTrainSize));
        }
        add_chart(loss);
        add_chart(acc);
        for (const RunResult* r : pair)
            if (!r->percentiles.empty())
                add_chart({fmt::format("sigmoid input percentiles, {} ({})", r->name,
                                       r->spec.bn ? "with BN" : "without BN"),
                           "step", "input to one last-hidden-layer sigmoid", percentile_series(*r)});
    }

    std::string params;
    for (const Row& row : rows)
        if (row.experiment == rows.front().experiment || row.experiment == "cnn" || row.experiment == "ioffe")
            params += fmt::format("- {} ({}): {} trainable parameters\n", row.model, row.experiment,
                                  row.runs.front()->parameters);
    std::string found;
    for (const auto& f : findings(runs)) found += "- " + f + "\n";
    const std::string about =
        fmt::format("Mode `{}`, {}. Command: `{}`. Machine: {}. BLAS: {}. nabla revision {}.", ctx.mode,
                    ctx.date, ctx.command, ctx.machine, ctx.blas, ctx.revision);
    const std::string notes =
        "Every pair trains with and without BatchNorm under the same seed, data order, optimizer and "
        "learning "
        "rate; layers followed by BN have no bias (BN's beta takes its role), which the parameter counts "
        "show. "
        "Test accuracy is measured in eval mode (running statistics) on the whole test set. 'steps to 97%' "
        "is "
        "the first evaluation at or above 97% (evaluations every few hundred steps, so it is an upper "
        "bound); "
        "with several seeds each seed's value is listed. The sigmoid-input percentiles follow Ioffe & "
        "Szegedy "
        "(2015), section 4.1, Figure 1(b, c): neuron 0 of the last hidden layer, over the first 1000 test "
        "images, in eval mode.";

    std::string md = "# BatchNorm comparison\n\n" + about + "\n\n## Summary\n\n" + render_markdown(summary) +
                     "\n## Findings\n\n" + found + "\n## Parameters\n\n" + params + "\n## Notes\n\n" + notes +
                     "\n\nCurves: the CSV files beside this report; charts: report.html.\n";
    write_report_file(dir + "/report.md", md);

    std::string page =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>nabla BatchNorm comparison</title>\n"
        "<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
        "th{background:#f3f3f3}.chart{display:inline-block;margin:6px}</style></head><body>\n"
        "<h1>BatchNorm comparison</h1>\n<p>" +
        html_escape(about) + "</p>\n<h2>Summary</h2>\n" + render_html(summary) + "<h2>Findings</h2>\n<ul>";
    for (const auto& f : findings(runs)) page += "<li>" + html_escape(f) + "</li>";
    page += "</ul>\n<h2>Curves</h2>\n" + charts + "<h2>Parameters</h2>\n<pre>" + html_escape(params) +
            "</pre>\n<h2>Notes</h2>\n<p>" + html_escape(notes) + "</p>\n</body></html>\n";
    write_report_file(dir + "/report.html", page);
    return render_text(summary);
}

}  // namespace nabla::apps
