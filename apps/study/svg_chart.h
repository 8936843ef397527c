#pragma once
// A small line-chart writer: inline SVG for the study's report, no scripts and no
// network needed to view it. Lines with an optional band (the spread over seeds),
// linear or log axes, markers for sweeps with few points.
#include <string>
#include <vector>

namespace nabla::apps {

struct Series {
    std::string label;
    std::string color;  // any SVG colour, e.g. "#1f77b4"
    std::vector<double> x{}, y{};
    bool dashed = false;
    std::vector<double> lo{}, hi{};  // when set (same length as x): a shaded band, e.g. min..max over seeds
    bool markers = false;            // a dot at every point
};

struct Chart {
    std::string title, x_label, y_label;
    std::vector<Series> series{};
    double y_min = 0.0, y_max = 0.0;    // both 0: fit to the data
    bool log_x = false, log_y = false;  // non-positive values are left out on a log axis
    int width = 560, height = 320;
};

std::string render_svg(const Chart& chart);

}  // namespace nabla::apps
