#pragma once
// A table of strings and its three renderings: the report's markdown and HTML, and the
// aligned plain text the comparison prints on the terminal.
#include <string>
#include <vector>

namespace nabla::apps {

// Rows of cells under a header, one cell per column.
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};

std::string render_markdown(const Table& t);
std::string render_html(const Table& t);  // cells escaped
std::string render_text(const Table& t);  // columns padded to their widest cell

std::string html_escape(const std::string& in);

}  // namespace nabla::apps
