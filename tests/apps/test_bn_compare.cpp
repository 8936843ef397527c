// bn_compare on the tests' tiny data writes a complete, self-contained report, and
// without MNIST says in one line how to fetch it.
#include "support/app_checks.h"
#include "support/tiny_mnist.h"

#include <catch2/catch.hpp>
#include <nabla.h>

#include <regex>

using namespace nabla;
using namespace nabla::test;

namespace {
size_t count_lines(const std::string& text) { return size_t(std::count(text.begin(), text.end(), '\n')); }
}  // namespace

TEST_CASE("bn_compare writes report.html, report.md, summary.csv and every run's CSV files",
          "[apps][bn_compare]") {
    const TinyMnist tiny;
    const std::filesystem::path out = tiny.dir / "report";
    const AppResult r = run_app(bn_compare_path(),
                                {"--data", tiny.data.string(), "--max-steps", "30", "--limit-test", "200",
                                 "--quiet", "--threads", "1", "--out", out.string()},
                                std::chrono::seconds(120));
    REQUIRE(succeeded(r));
    INFO(r.out);

    // Each experiment trains without and with BN: 8 runs.
    const std::vector<std::string> runs{"mlp_mlp",     "mlp_mlp_bn",     "cnn_cnn",     "cnn_cnn_bn",
                                        "high_lr_mlp", "high_lr_mlp_bn", "ioffe_ioffe", "ioffe_ioffe_bn"};
    for (const std::string& run : runs) {
        for (const char* what : {"loss", "test"}) {
            const auto csv = out / (run + "_seed0_" + what + ".csv");
            INFO(csv);
            REQUIRE(std::filesystem::exists(csv));
            REQUIRE(count_lines(read_text(csv)) >= 2);  // header and at least one point
        }
    }
    for (const char* run : {"ioffe_ioffe", "ioffe_ioffe_bn"}) {
        const auto csv = out / (std::string(run) + "_seed0_sigmoid_input_percentiles.csv");
        INFO(csv);
        REQUIRE(std::filesystem::exists(csv));
        REQUIRE(count_lines(read_text(csv)) >= 2);
    }

    const std::string summary = read_text(out / "summary.csv");
    REQUIRE(count_lines(summary) == 1 + runs.size());

    const std::string md = read_text(out / "report.md");
    REQUIRE_FALSE(md.empty());
    REQUIRE_THAT(md, Catch::Contains("|"));

    const std::string html = read_text(out / "report.html");
    REQUIRE_THAT(html, Catch::StartsWith("<!DOCTYPE html>") || Catch::StartsWith("<!doctype html>"));
    REQUIRE_THAT(html, Catch::Contains("</html>"));
    REQUIRE_THAT(html, Catch::Contains("<svg"));
    REQUIRE_THAT(html, Catch::Contains("<table"));
    // Self-contained: no src= or href= anywhere reaches for another file or the network,
    // no <script src>, no <link>; the only URL is the SVG namespace.
    REQUIRE_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=)", std::regex::icase)));
    REQUIRE_THAT(html, !Catch::Contains("<link", Catch::CaseSensitive::No));
    REQUIRE_THAT(html, !Catch::Contains("@import", Catch::CaseSensitive::No));
    std::string without_ns =
        std::regex_replace(html, std::regex(R"(xmlns="http://www\.w3\.org/2000/svg")"), "");
    REQUIRE_THAT(without_ns, !Catch::Contains("http", Catch::CaseSensitive::No));

    // The terminal shows the summary table and the report's path.
    REQUIRE_THAT(r.out, Catch::Contains((out / "report.html").string()));
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
    REQUIRE(count_lines(r.err) == 1);
    REQUIRE_THAT(r.err, Catch::Contains("scripts/fetch-mnist"));
    REQUIRE_FALSE(std::filesystem::exists(tiny.path("report")));
}
