// bn_compare on the tests' tiny data runs every claim of the study at tiny scale and
// writes a complete report; a rerun reads the stored runs back, --fresh trains again;
// without MNIST it says in one line how to fetch it.
#include "support/app_checks.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <regex>

using namespace nabla;
using namespace nabla::test;

namespace {
size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
    return n;
}
size_t json_files(const std::filesystem::path& dir) {
    size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir)) n += f.path().extension() == ".json";
    return n;
}
}  // namespace

TEST_CASE("bn_compare runs every claim at tiny scale and writes the report with a verdict for each",
          "[apps][bn_compare]") {
    const TinyMnist tiny;
    const std::filesystem::path out = tiny.dir / "report";
    const std::vector<std::string> args{"--data", tiny.data.string(), "--max-steps", "6",         "--seeds",
                                        "2",      "--limit-test",     "100",         "--threads", "1",
                                        "--out",  out.string()};
    const AppResult r = run_app(bn_compare_path(), args, kAppDeadline);
    INFO(r.describe());
    REQUIRE(succeeded(r));
    // Progress names each run once and gives the time left over the whole study.
    REQUIRE_THAT(r.out, Catch::Contains("left"));
    REQUIRE_THAT(r.out, Catch::Contains((out / "report.html").string()));

    const std::string md = read_text(out / "report.md");
    const std::vector<std::string> headings{"BN converges in fewer steps",
                                            "BN allows much higher learning rates",
                                            "saturates",
                                            "Ioffe & Szegedy 2015, Figure 1",
                                            "Small batches hurt BN",
                                            "The bias before BN is useless",
                                            "BN goes before the activation",
                                            "BN is not L2",
                                            "99:1",
                                            "Deeper plain networks train worse"};
    // Under each claim's heading, one computed verdict line.
    const std::regex claim_heading(
        R"(\n## \d+\. [^\n]+\n\nVerdict: (supported|contradicted|inconclusive)\n)");
    REQUIRE(size_t(std::distance(std::sregex_iterator(md.begin(), md.end(), claim_heading),
                                 std::sregex_iterator())) == headings.size());
    for (const auto& h : headings) REQUIRE_THAT(md, Catch::Contains(h));
    REQUIRE_THAT(md, Catch::Contains("Data set: MNIST"));
    REQUIRE_THAT(md, Catch::Contains("docs/batchnorm.md"));

    const std::string html = read_text(out / "report.html");
    REQUIRE_THAT(html, Catch::StartsWith("<!DOCTYPE html>"));
    REQUIRE_THAT(html, Catch::Contains("</html>"));
    REQUIRE(count(html, "<svg") >= headings.size());
    REQUIRE(count(html, "<figcaption>") == count(html, "<svg"));
    REQUIRE_THAT(html, Catch::Contains("<em>"));
    // Markdown emphasis and code are rendered, never shown literally.
    REQUIRE_THAT(html, !Catch::Contains("**"));
    REQUIRE_THAT(html, !Catch::Contains("`"));
    // Self-contained: the only links are the contents' anchors and the copy of the BN
    // documentation beside the report (so the folder can be moved whole); no scripts,
    // stylesheets or images from elsewhere; the only URL is the SVG namespace.
    const std::regex href(R"re(href="([^"]*)")re");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator(); ++it) {
        const std::string target = (*it)[1];
        INFO(target);
        REQUIRE((target.starts_with("#") || target == "batchnorm.md"));
    }
    REQUIRE_THAT(read_text(out / "batchnorm.md"), Catch::Contains("BatchNorm"));
    REQUIRE_FALSE(std::regex_search(html, std::regex(R"(src\s*=)", std::regex::icase)));
    REQUIRE_THAT(html, !Catch::Contains("<link", Catch::CaseSensitive::No));
    const std::string without_ns =
        std::regex_replace(html, std::regex(R"(xmlns="http://www\.w3\.org/2000/svg")"), "");
    REQUIRE_THAT(without_ns, !Catch::Contains("http", Catch::CaseSensitive::No));

    // Every run is stored as it completes; a rerun trains none of them again, --fresh all.
    const size_t stored = json_files(out / "runs");
    REQUIRE(stored >= 2 * headings.size());
    REQUIRE(count(r.out, "] ") == stored);
    const AppResult again = run_app(bn_compare_path(), args, kAppDeadline);
    REQUIRE(succeeded(again));
    REQUIRE(count(again.out, "] ") == 0);
    REQUIRE_THAT(read_text(out / "report.md"),
                 Catch::Contains(fmt::format("{} runs ({} read from earlier runs", stored, stored)));

    std::vector<std::string> fresh = args;
    fresh.insert(fresh.end(), {"--fresh", "--experiments", "bias"});
    const AppResult restarted = run_app(bn_compare_path(), fresh, kAppDeadline);
    INFO(restarted.describe());
    REQUIRE(succeeded(restarted));
    REQUIRE(count(restarted.out, "] ") == json_files(out / "runs"));
    REQUIRE(json_files(out / "runs") < stored);
    REQUIRE_THAT(read_text(out / "report.md"), Catch::Contains("(0 read from earlier runs"));
}

TEST_CASE("bn_compare without MNIST prints one line telling to run scripts/fetch-mnist",
          "[apps][bn_compare]") {
    const TinyMnist tiny;
    const AppResult r = run_app(
        bn_compare_path(), {"--data", tiny.path("no-mnist-here"), "--quiet", "--out", tiny.path("report")});
    INFO(r.describe());
    REQUIRE(r.exited);
    REQUIRE(r.exit_code != 0);
    REQUIRE(r.out.empty());
    REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    REQUIRE_THAT(r.err, Catch::Contains("scripts/fetch-mnist"));
    REQUIRE_FALSE(std::filesystem::exists(tiny.path("report")));
}
