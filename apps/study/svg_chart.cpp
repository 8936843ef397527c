#include "apps/study/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace nabla::apps {

namespace {

std::string escape(const std::string& in) {
    std::string s;
    for (char c : in) s += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    return s;
}

// A round step giving about `count` ticks over `span` (linear axes).
double tick_step(double span, int count) {
    const double raw = span / count;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * mag) return m * mag;
    return 10.0 * mag;
}

// One axis: the data range, mapped linearly or through log10.
struct Axis {
    bool log = false;
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    bool usable(double v) const { return std::isfinite(v) && (!log || v > 0); }
    double t(double v) const { return log ? std::log10(v) : v; }
    void add(double v) {
        if (!usable(v)) return;
        lo = std::min(lo, t(v));
        hi = std::max(hi, t(v));
    }
    void fix() {
        if (!(lo <= hi)) lo = 0, hi = 1;
        if (lo == hi) lo -= 0.5, hi += 0.5;
        if (log) lo = std::floor(lo * 2) / 2, hi = std::ceil(hi * 2) / 2;  // whole half-decades
    }
    double frac(double v) const { return (std::clamp(t(v), lo, hi) - lo) / (hi - lo); }
    // Tick positions (in data units) and their labels.
    std::vector<double> ticks() const {
        std::vector<double> out;
        if (log) {
            for (double e = std::floor(lo); e <= hi + 1e-9; e += 1)
                for (double m : {1.0, 2.0, 5.0}) {
                    const double le = e + std::log10(m);
                    if (le >= lo - 1e-9 && le <= hi + 1e-9) out.push_back(std::pow(10.0, le));
                }
            return out;
        }
        const double s = tick_step(hi - lo, 5);
        for (double v = std::ceil(lo / s) * s; v <= hi + 1e-9 * s; v += s)
            out.push_back(std::abs(v) < 1e-12 ? 0 : v);
        return out;
    }
};

}  // namespace

std::string render_svg(const Chart& c) {
    constexpr double left = 62, right = 16, top = 28, bottom = 44;
    const double pw = c.width - left - right, ph = c.height - top - bottom;
    Axis xa{.log = c.log_x}, ya{.log = c.log_y};
    for (const auto& s : c.series) {
        for (double v : s.x) xa.add(v);
        for (double v : s.y) ya.add(v);
        for (double v : s.lo) ya.add(v);
        for (double v : s.hi) ya.add(v);
    }
    if (c.y_min != 0.0 || c.y_max != 0.0) ya.lo = ya.t(c.y_min), ya.hi = ya.t(c.y_max);
    xa.fix();
    ya.fix();
    auto X = [&](double v) { return left + xa.frac(v) * pw; };
    auto Y = [&](double v) { return top + ph - ya.frac(v) * ph; };

    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
        "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" "
        "fill=\"white\"/>\n",
        c.width, c.height, c.width, c.height);
    s += fmt::format("<text x=\"{}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>\n", left,
                     escape(c.title));
    for (double v : xa.ticks())
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#e5e5e5\"/>"
            "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4:g}</text>\n",
            X(v), top, top + ph, top + ph + 14, v);
    for (double v : ya.ticks())
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
    // Bands first, under every line.
    for (const Series& ser : c.series) {
        if (ser.lo.size() != ser.x.size() || ser.hi.size() != ser.x.size() || ser.x.empty()) continue;
        std::string up, down;
        for (size_t i = 0; i < ser.x.size(); ++i) {
            if (!xa.usable(ser.x[i]) || !ya.usable(ser.lo[i]) || !ya.usable(ser.hi[i])) continue;
            up += fmt::format("{}{:.1f},{:.1f} ", up.empty() ? "M" : "L", X(ser.x[i]), Y(ser.hi[i]));
            down = fmt::format("L{:.1f},{:.1f} ", X(ser.x[i]), Y(ser.lo[i])) + down;
        }
        if (!up.empty())
            s += fmt::format("<path d=\"{}{}Z\" fill=\"{}\" fill-opacity=\"0.18\" stroke=\"none\"/>\n", up,
                             down, ser.color);
    }
    // Lines, broken at values a log axis or the data cannot show.
    std::vector<std::pair<double, double>> drawn;  // points along every line, to keep the legend off them
    for (const Series& ser : c.series) {
        const std::string dash = ser.dashed ? " stroke-dasharray=\"5,3\"" : "";
        std::string d, dots;
        bool pen = false;
        for (size_t i = 0; i < std::min(ser.x.size(), ser.y.size()); ++i) {
            if (!ya.usable(ser.y[i]) || !xa.usable(ser.x[i])) {
                pen = false;
                continue;
            }
            const double px = X(ser.x[i]), py = Y(ser.y[i]);
            if (pen) {  // the segment from the previous point, a sample every 4 pixels or closer
                const auto [qx, qy] = drawn.back();
                const int n = 1 + static_cast<int>(std::hypot(px - qx, py - qy) / 4);
                for (int f = 1; f < n; ++f)
                    drawn.emplace_back(qx + (px - qx) * f / n, qy + (py - qy) * f / n);
            }
            drawn.emplace_back(px, py);
            d += fmt::format("{}{:.1f},{:.1f} ", pen ? "L" : "M", px, py);
            if (ser.markers)
                dots += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>", px, py,
                                    ser.color);
            pen = true;
        }
        s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"{}/>{}\n", d,
                         ser.color, dash, dots);
    }
    // The legend goes in the corner that hides the fewest points of the lines (its
    // background is opaque enough to hide a line that runs under it).
    constexpr double legend_w = 176;
    const double legend_h = 14 * double(c.series.size()) + 4;
    double lx = left + pw - legend_w, ly0 = top + 3;
    size_t fewest = std::numeric_limits<size_t>::max();
    for (auto [cx, cy] :
         {std::pair{left + pw - legend_w, top + 3}, std::pair{left + 4, top + 3},
          std::pair{left + pw - legend_w, top + ph - legend_h}, std::pair{left + 4, top + ph - legend_h}}) {
        const auto hidden = size_t(std::count_if(drawn.begin(), drawn.end(), [&](auto p) {
            return p.first >= cx && p.first <= cx + legend_w && p.second >= cy && p.second <= cy + legend_h;
        }));
        if (hidden < fewest) fewest = hidden, lx = cx, ly0 = cy;
    }
    for (size_t k = 0; k < c.series.size(); ++k) {
        const Series& ser = c.series[k];
        const std::string dash = ser.dashed ? " stroke-dasharray=\"5,3\"" : "";
        const double ly = ly0 + 9 + 14 * double(k);
        s += fmt::format(
            "<rect x=\"{0:.1f}\" y=\"{1:.1f}\" width=\"170\" height=\"14\" fill=\"white\" "
            "fill-opacity=\"0.8\"/>"
            "<line x1=\"{2:.1f}\" y1=\"{3:.1f}\" x2=\"{4:.1f}\" y2=\"{3:.1f}\" stroke=\"{5}\" "
            "stroke-width=\"2\"{6}/><text x=\"{7:.1f}\" y=\"{8:.1f}\">{9}</text>\n",
            lx, ly - 7, lx + 4, ly, lx + 24, ser.color, dash, lx + 28, ly + 4, escape(ser.label));
    }
    return s + "</svg>\n";
}

}  // namespace nabla::apps
