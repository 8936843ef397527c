#!/usr/bin/env bash
# Installs a built nabla into a scratch prefix, then builds and runs a user project
# (tests/install/) against it:
#   tests/install/run.sh SOURCE_DIR BUILD_DIR WORK_DIR
# SOURCE_DIR is the repository root, BUILD_DIR a configured and built nabla tree,
# WORK_DIR a scratch directory (emptied first). CMAKE and CXX in the environment pick
# the cmake binary and the compiler (defaults: cmake on PATH, CMake's default compiler).
set -euo pipefail

if (($# != 3)); then
    echo "usage: $0 SOURCE_DIR BUILD_DIR WORK_DIR" >&2
    exit 2
fi
source_dir=$1
build_dir=$2
work_dir=$3
cmake=${CMAKE:-cmake}

fail() {
    echo "install test: $*" >&2
    exit 1
}

[[ -f "$source_dir/tests/install/CMakeLists.txt" ]] || fail "no tests/install/CMakeLists.txt under '$source_dir'"
[[ -f "$build_dir/CMakeCache.txt" ]] || fail "'$build_dir' is not a configured build tree"

rm -rf "$work_dir"
mkdir -p "$work_dir"
prefix="$work_dir/prefix"
config=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt")
config=${config:-Release}

echo "install test: installing '$build_dir' into '$prefix'"
"$cmake" --install "$build_dir" --prefix "$prefix" --config "$config" >"$work_dir/install.log" 2>&1 ||
    { cat "$work_dir/install.log" >&2; fail "cmake --install failed"; }

echo "install test: configuring the user project against the installed package"
"$cmake" -S "$source_dir/tests/install" -B "$work_dir/build" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE="$config" ||
    fail "find_package(nabla) failed against '$prefix'"

echo "install test: building the user project"
"$cmake" --build "$work_dir/build" --config "$config" ||
    fail "the user project did not build against the installed headers and libraries"

binary="$work_dir/build/install_check"
[[ -x "$binary" ]] || binary="$work_dir/build/$config/install_check"
"$binary" || fail "install_check exited with status $?"

echo "install test: passed"
