#pragma once
// Every test case runs as if it had its process to itself, as under ctest (one process
// per case), also when a whole test binary runs in one process, in any order:
//  - it starts from the random generator a fresh process has, so a case that draws
//    without seeding gets the same numbers whichever cases ran before it;
//  - it must leave the global modes as it found them (grad mode, anomaly mode, NaN
//    poisoning, the thread count, the current directory, the environment), which a case
//    does by setting them through RAII guards only (support/guards.h). A case that leaves
//    one changed is named on stderr, the modes are put back for the cases after it, and
//    the run fails.
// A Catch listener does both; it is linked into every test binary.

namespace nabla::test {

// True once a case has left a global mode changed; main() then fails the run.
bool a_case_leaked_global_state();

}  // namespace nabla::test
