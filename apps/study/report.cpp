#include "apps/study/report.h"

#include "apps/study/markup.h"
#include "apps/study/study_progress.h"
#include "apps/study/table.h"

#include <nabla.h>

#include <filesystem>
#include <set>

namespace nabla::apps {

namespace {

constexpr const char* kBnIntro =
    "For every feature (a column of a [N, C] input, a channel of a [N, C, H, W] one) BatchNorm takes the "
    "mean "
    "and the variance over the mini-batch, normalises to x_hat = (x - mean) / sqrt(var + eps), then scales "
    "and "
    "shifts with two learned parameters: y = gamma * x_hat + beta. While training it uses the batch's "
    "statistics "
    "and keeps running averages of them; in eval mode it uses those running averages, so a single image gets "
    "a "
    "deterministic answer. It sits between a linear or convolutional layer (whose bias it makes redundant) "
    "and "
    "the nonlinearity.";

constexpr const char* kRule =
    "Each claim compares one measurement between two arms over seeds. With d the difference of the means in "
    "the claimed direction and s the pooled standard deviation of the two arms: supported when d > 2s, "
    "contradicted when d < -2s, inconclusive otherwise or when there are too few seeds to estimate s. "
    "Verdicts are computed from the runs below, never written in.";

std::string anchor(const Experiment& e) { return "claim-" + e.key; }

const char* verdict_color(Outcome o) {
    return o == Outcome::supported ? "#2a7d2a" : o == Outcome::contradicted ? "#b22222" : "#8a6d00";
}

Table network_table(const std::vector<ClaimReport>& claims) {
    Table t{{"network", "layers", "trainable parameters", "used by"}, {}};
    std::map<std::string, size_t> row_of;
    for (const ClaimReport& c : claims)
        for (const Network& n : c.experiment->networks) {
            if (auto it = row_of.find(n.name); it != row_of.end()) {
                auto& used = t.rows[it->second][3];
                if (used.find(c.experiment->key) == std::string::npos) used += ", " + c.experiment->key;
                continue;
            }
            row_of[n.name] = t.rows.size();
            t.rows.push_back({n.name, n.layers, fmt::format("{}", n.parameters), c.experiment->key});
        }
    return t;
}

Table verdict_table(const std::vector<ClaimReport>& claims) {
    Table t{{"#", "claim", "verdict", "compared"}, {}};
    for (size_t i = 0; i < claims.size(); ++i)
        t.rows.push_back({fmt::format("{}", i + 1), claims[i].experiment->title,
                          outcome_name(claims[i].section.verdict.outcome), claims[i].section.compared});
    return t;
}

}  // namespace

std::string write_report(const std::string& dir, const ReportContext& ctx,
                         const std::vector<ClaimReport>& claims) {
    std::filesystem::create_directories(dir);
    const Table verdicts = verdict_table(claims), networks = network_table(claims);
    const std::string about = fmt::format(
        "Data set: {}. Mode: {}. {} runs ({} read from earlier runs of this study), {} of training in this "
        "invocation. Written {}. Command: `{}`. Machine: {}. BLAS: {}. nabla revision {}.",
        ctx.dataset, ctx.mode, ctx.total_runs, ctx.cached_runs, format_duration(ctx.seconds), ctx.date,
        ctx.command, ctx.machine, ctx.blas, ctx.revision);

    // report.md
    std::string md =
        "# BatchNorm study: which claims held on nabla's own runs\n\n" + about + "\n\n## Contents\n\n";
    md +=
        "- [What BatchNorm computes](#what-batchnorm-computes)\n- [Verdicts](#verdicts)\n- [The "
        "networks](#the-networks)\n";
    for (size_t i = 0; i < claims.size(); ++i)
        md += fmt::format("- [{}. {}](#{})\n", i + 1, claims[i].experiment->title,
                          anchor(*claims[i].experiment));
    md += fmt::format("\n## What BatchNorm computes\n\n{} More in [docs/batchnorm.md]({}).\n\n", kBnIntro,
                      ctx.docs_link);
    md += "## Verdicts\n\n" + std::string(kRule) + "\n\n" + render_markdown(verdicts);
    md += "\n## The networks\n\n" + render_markdown(networks);

    // report.html
    std::string html =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>nabla BatchNorm study</title>\n"
        "<style>body{font-family:sans-serif;max-width:1180px;margin:2em auto;color:#222;line-height:1.45}"
        "table{border-collapse:collapse;font-size:13px;margin:0.6em 0}td,th{border:1px solid "
        "#ccc;padding:3px 7px}"
        "th{background:#f3f3f3}figure{display:inline-block;margin:6px;vertical-align:top;width:560px}"
        "figcaption{font-size:13px;color:#444}.verdict{font-weight:bold;font-size:1.1em}"
        "code{background:#f4f4f4;padding:0 3px}.meta{color:#555;font-size:13px}</style></head><body>\n"
        "<h1>BatchNorm study: which claims held on nabla's own runs</h1>\n<p class=\"meta\">" +
        markup_to_html(about) +
        "</p>\n<h2>Contents</h2>\n<ul>\n"
        "<li><a href=\"#what-batchnorm-computes\">What BatchNorm computes</a></li>\n"
        "<li><a href=\"#verdicts\">Verdicts</a></li>\n<li><a href=\"#the-networks\">The networks</a></li>\n";
    for (size_t i = 0; i < claims.size(); ++i)
        html += fmt::format("<li><a href=\"#{}\">{}. {}</a> ({})</li>\n", anchor(*claims[i].experiment),
                            i + 1, html_escape(claims[i].experiment->title),
                            outcome_name(claims[i].section.verdict.outcome));
    html += fmt::format(
        "</ul>\n<h2 id=\"what-batchnorm-computes\">What BatchNorm computes</h2>\n<p>{} More in "
        "<a href=\"{}\">docs/batchnorm.md</a>.</p>\n",
        html_escape(kBnIntro), html_escape(ctx.docs_link));
    html += "<h2 id=\"verdicts\">Verdicts</h2>\n<p>" + html_escape(kRule) + "</p>\n" + render_html(verdicts);
    html += "<h2 id=\"the-networks\">The networks</h2>\n" + render_html(networks);

    std::string csv = "claim,verdict,difference,twice_pooled_sd,compared\n";
    for (size_t i = 0; i < claims.size(); ++i) {
        const Experiment& e = *claims[i].experiment;
        const ClaimSection& c = claims[i].section;
        const char* outcome = outcome_name(c.verdict.outcome);
        csv += fmt::format("{},{},{:.6g},{:.6g},\"{}\"\n", e.key, outcome, c.verdict.difference,
                           2 * c.verdict.pooled_sd, c.compared);
        md += fmt::format("\n## {}. {}\n\nVerdict: {}\n\n", i + 1, e.title, outcome);
        md += fmt::format("*Claim.* {}\n\n*Experiment.* {}\n\n", e.claim, e.method);
        html += fmt::format(
            "<h2 id=\"{}\">{}. {}</h2>\n<p class=\"verdict\" style=\"color:{}\">Verdict: {}</p>\n", anchor(e),
            i + 1, html_escape(e.title), verdict_color(c.verdict.outcome), outcome);
        html += fmt::format("<p><em>Claim.</em> {}</p>\n<p><em>Experiment.</em> {}</p>\n",
                            markup_to_html(e.claim), markup_to_html(e.method));
        for (size_t f = 0; f < c.figures.size(); ++f) {
            const std::string name = fmt::format("{}-{}.svg", e.key, f + 1);
            write_file_atomic(dir + "/" + name, c.figures[f].svg, "report");
            md += fmt::format("![{}]({})\n\n{}\n\n", e.title, name, c.figures[f].caption);
            html += "<figure>" + c.figures[f].svg + "<figcaption>" + markup_to_html(c.figures[f].caption) +
                    "</figcaption></figure>\n";
        }
        md += render_markdown(c.table) + "\n";
        html += render_html(c.table);
        const std::string why = fmt::format("{}: {}.", c.compared, c.verdict.reason);
        md += fmt::format("*Verdict.* {} ({})\n\n", outcome, why);
        html +=
            fmt::format("<p><em>Verdict.</em> <strong>{}</strong> ({})</p>\n", outcome, markup_to_html(why));
        if (!c.findings.empty()) {
            md += "*Findings.*\n\n";
            html += "<p><em>Findings.</em></p>\n<ul>\n";
            for (const auto& f : c.findings) {
                md += "- " + f + "\n";
                html += "<li>" + markup_to_html(f) + "</li>\n";
            }
            md += "\n";
            html += "</ul>\n";
        }
    }
    const std::string notes =
        "Test error is measured in eval mode (BN with its running statistics) on a fixed part of the test "
        "set; "
        "steps to an accuracy are the first evaluation at or above it, so they are upper bounds at the "
        "evaluation spacing. Every run's numbers and curves are in runs/*.json beside this report; "
        "verdicts.csv "
        "holds the verdicts.";
    md += "\n## Notes\n\n" + std::string(notes) + "\n";
    html += "<h2>Notes</h2>\n<p>" + html_escape(notes) + "</p>\n</body></html>\n";
    write_file_atomic(dir + "/report.md", md, "report");
    write_file_atomic(dir + "/report.html", html, "report");
    write_file_atomic(dir + "/verdicts.csv", csv, "report");
    return render_text(verdicts);
}

}  // namespace nabla::apps
