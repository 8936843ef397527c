#include "apps/study/table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace nabla::apps {

std::string render_markdown(const Table& t) {
    std::string s = "| " + fmt::format("{}", fmt::join(t.header, " | ")) + " |\n|";
    for (size_t i = 0; i < t.header.size(); ++i) s += "---|";
    s += "\n";
    for (const auto& r : t.rows) s += "| " + fmt::format("{}", fmt::join(r, " | ")) + " |\n";
    return s;
}

std::string html_escape(const std::string& in) {
    std::string s;
    for (char c : in) s += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    return s;
}

std::string render_html(const Table& t) {
    std::string s = "<table><tr>";
    for (const auto& h : t.header) s += "<th>" + html_escape(h) + "</th>";
    s += "</tr>\n";
    for (const auto& r : t.rows) {
        s += "<tr>";
        for (const auto& c : r) s += "<td>" + html_escape(c) + "</td>";
        s += "</tr>\n";
    }
    return s + "</table>\n";
}

std::string render_text(const Table& t) {
    std::vector<size_t> w(t.header.size());
    for (size_t i = 0; i < w.size(); ++i) {
        w[i] = t.header[i].size();
        for (const auto& r : t.rows) w[i] = std::max(w[i], r[i].size());
    }
    auto line = [&](const std::vector<std::string>& r) {
        std::string s;
        for (size_t i = 0; i < w.size(); ++i) s += fmt::format("{:<{}}  ", r[i], w[i]);
        return s + "\n";
    };
    std::string s = line(t.header);
    for (const auto& r : t.rows) s += line(r);
    return s;
}

}  // namespace nabla::apps
