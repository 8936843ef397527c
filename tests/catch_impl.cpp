// Catch2's implementation, compiled once for every test program; each program's main
// (main.cpp, dist/main.cpp) runs it through run_catch_session.
#define CATCH_CONFIG_RUNNER
#include "support/catch_session.h"

#include <catch2/catch.hpp>

namespace nabla::test {
int run_catch_session(int argc, char** argv) { return Catch::Session().run(argc, argv); }
}  // namespace nabla::test
