#pragma once

namespace nabla::test {
// Catch::Session().run(argc, argv): Catch2 declares its Session only in the one file that
// holds its implementation (tests/catch_impl.cpp), so the programs' mains call this.
int run_catch_session(int argc, char** argv);
}  // namespace nabla::test
