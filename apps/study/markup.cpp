#include "apps/study/markup.h"

#include "apps/study/table.h"

#include <fmt/format.h>

namespace nabla::apps {

std::string markup_to_html(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '*' || c == '`') {
            const size_t end = text.find(c, i + 1);
            if (end != std::string::npos && end > i + 1) {
                const char* tag = c == '*' ? "em" : "code";
                out += fmt::format("<{0}>{1}</{0}>", tag, html_escape(text.substr(i + 1, end - i - 1)));
                i = end;
                continue;
            }
        }
        out += html_escape(std::string(1, c));
    }
    return out;
}

}  // namespace nabla::apps
