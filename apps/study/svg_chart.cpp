#include "apps/study/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nabla::apps {

namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// "Nice" tick step (1, 2 or 5 times a power of ten) giving about `count` ticks.
double tick_step(double span, int count) {
    const double raw = span / count;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * mag) return m * mag;
    return 10.0 * mag;
}

struct Range {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    void fix() {
        if (!(lo <= hi)) lo = 0, hi = 1;
        if (lo == hi) lo -= 0.5, hi += 0.5;
    }
};

}  // namespace

std::string render_svg(const Chart& c) {
    constexpr double left = 62, right = 16, top = 28, bottom = 44;
    const double pw = c.width - left - right, ph = c.height - top - bottom;
    Range xr, yr;
    for (const auto& s : c.series) {
        for (double v : s.x) xr.add(v);
        for (double v : s.y) yr.add(v);
    }
    if (c.y_min != 0.0 || c.y_max != 0.0) yr = {c.y_min, c.y_max};
    xr.fix();
    yr.fix();
    auto X = [&](double v) { return left + (v - xr.lo) / (xr.hi - xr.lo) * pw; };
    auto Y = [&](double v) {
        return top + ph - (std::clamp(v, yr.lo, yr.hi) - yr.lo) / (yr.hi - yr.lo) * ph;
    };

    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
        "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
        "fill=\"white\"/>\n",
        c.width, c.height, c.width, c.height);
    s += fmt::format("<text x=\"{}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>\n", left,
                     escape(c.title));
    // Grid and ticks.
    const double xs = tick_step(xr.hi - xr.lo, 6), ys = tick_step(yr.hi - yr.lo, 5);
    for (double v = std::ceil(xr.lo / xs) * xs; v <= xr.hi + 1e-9 * xs; v += xs)
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#e5e5e5\"/>"
            "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4:g}</text>\n",
            X(v), top, top + ph, top + ph + 14, v);
    for (double v = std::ceil(yr.lo / ys) * ys; v <= yr.hi + 1e-9 * ys; v += ys)
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#e5e5e5\"/>"
            "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:g}</text>\n",
            left, Y(v), left + pw, left - 4, Y(v) + 4, v);
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n",
                     left, top, pw, ph);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + pw / 2,
                     c.height - 8, escape(c.x_label));
    s +=
        fmt::format("<text transform=\"translate(14,{:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                    top + ph / 2, escape(c.y_label));
    // Lines (broken at non-finite values) and the legend.
    for (size_t k = 0; k < c.series.size(); ++k) {
        const Series& ser = c.series[k];
        std::string d;
        bool pen = false;
        for (size_t i = 0; i < std::min(ser.x.size(), ser.y.size()); ++i) {
            if (!std::isfinite(ser.y[i]) || !std::isfinite(ser.x[i])) {
                pen = false;
                continue;
            }
            d += fmt::format("{}{:.1f},{:.1f} ", pen ? "L" : "M", X(ser.x[i]), Y(ser.y[i]));
            pen = true;
        }
        s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"{}/>\n", d,
                         ser.color, ser.dashed ? " stroke-dasharray=\"5,3\"" : "");
        const double ly = top + 12 + 14 * double(k);
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" "
            "stroke-width=\"2\"{4}/>"
            "<text x=\"{5:.1f}\" y=\"{6:.1f}\">{7}</text>\n",
            left + pw - 150, ly, left + pw - 130, ser.color, ser.dashed ? " stroke-dasharray=\"5,3\"" : "",
            left + pw - 126, ly + 4, escape(ser.label));
    }
    return s + "</svg>\n";
}

}  // namespace nabla::apps
