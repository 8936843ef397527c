// The study's chart writer: the legend stays off the lines it labels.
#include "apps/study/svg_chart.h"

#include <catch2/catch.hpp>

#include <regex>
#include <string>

using namespace nabla::apps;

namespace {

// The x of the first legend background (the only <rect> with width 170).
double legend_x(const std::string& svg) {
    std::smatch m;
    REQUIRE(std::regex_search(svg, m, std::regex(R"re(<rect x="([0-9.]+)" y="[0-9.]+" width="170")re")));
    return std::stod(m[1]);
}

}  // namespace

TEST_CASE("svg chart: the legend moves to a corner the lines leave free", "[apps][study]") {
    Chart c{.title = "t", .x_label = "x", .y_label = "y"};
    // A line rising to the top-right corner, where the legend goes by default.
    c.series.push_back(Series{.label = "rising",
                              .color = "#d62728",
                              .x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                              .y = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}});
    const double rising = legend_x(render_svg(c));
    // Falling to the bottom-right instead: the top-right corner is free again.
    c.series[0].y = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0};
    const double falling = legend_x(render_svg(c));
    REQUIRE(falling > 300);  // the right-hand corner of a 560-wide chart
    REQUIRE(rising < 100);   // the left-hand one
}
