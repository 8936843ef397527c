#pragma once
// The report's findings are written once with a little markdown (*emphasis*, `code`)
// and rendered for each output: as is in report.md, as HTML elements in report.html.
#include <string>

namespace nabla::apps {

// Escapes the text and turns *x* into <em>x</em> and `x` into <code>x</code>; an
// unmatched marker stays as a literal character.
std::string markup_to_html(const std::string& text);

}  // namespace nabla::apps
