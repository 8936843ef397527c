#pragma once
// A small line-chart writer: inline SVG for the comparison report, no scripts and no
// network needed to view it.
#include <string>
#include <vector>

namespace nabla::apps {

struct Series {
    std::string label;
    std::string color;  // any SVG colour, e.g. "#1f77b4"
    std::vector<double> x, y;
    bool dashed = false;
};

struct Chart {
    std::string title, x_label, y_label;
    std::vector<Series> series;
    double y_min = 0.0, y_max = 0.0;  // both 0: fit to the data
    int width = 560, height = 320;
};

std::string render_svg(const Chart& chart);

}  // namespace nabla::apps
