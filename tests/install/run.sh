#!/usr/bin/env bash
# Installs a built nabla into a scratch prefix, then builds and runs user projects against
# it, each configured with find_package(nabla) alone:
#   tests/install/run.sh SOURCE_DIR BUILD_DIR WORK_DIR [PROJECT:BINARY ...]
# SOURCE_DIR is the repository root, BUILD_DIR a configured and built nabla tree,
# WORK_DIR a scratch directory (emptied first). Each PROJECT is a folder of SOURCE_DIR
# holding a CMakeLists.txt, BINARY the program it builds, which must exit 0 (default:
# tests/install:install_check). CMAKE and CXX in the environment pick the cmake binary
# and the compiler (defaults: cmake on PATH, CMake's default compiler).
set -euo pipefail

if (($# < 3)); then
    echo "usage: $0 SOURCE_DIR BUILD_DIR WORK_DIR [PROJECT:BINARY ...]" >&2
    exit 2
fi
source_dir=$1
build_dir=$2
work_dir=$3
shift 3
projects=("$@")
((${#projects[@]} > 0)) || projects=(tests/install:install_check)
cmake=${CMAKE:-cmake}

fail() {
    echo "install test: $*" >&2
    exit 1
}

for project in "${projects[@]}"; do
    [[ -f "$source_dir/${project%%:*}/CMakeLists.txt" ]] || fail "no ${project%%:*}/CMakeLists.txt under '$source_dir'"
done
[[ -f "$build_dir/CMakeCache.txt" ]] || fail "'$build_dir' is not a configured build tree"

rm -rf "$work_dir"
mkdir -p "$work_dir"
prefix="$work_dir/prefix"
config=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt")
config=${config:-Release}

echo "install test: installing '$build_dir' into '$prefix'"
"$cmake" --install "$build_dir" --prefix "$prefix" --config "$config" >"$work_dir/install.log" 2>&1 ||
    { cat "$work_dir/install.log" >&2; fail "cmake --install failed"; }

for project in "${projects[@]}"; do
    folder=${project%%:*}
    program=${project##*:}
    project_build="$work_dir/build-${folder//\//-}"
    echo "install test: configuring $folder against the installed package"
    "$cmake" -S "$source_dir/$folder" -B "$project_build" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE="$config" ||
        fail "find_package(nabla) failed against '$prefix' for $folder"

    echo "install test: building $folder"
    "$cmake" --build "$project_build" --config "$config" ||
        fail "$folder did not build against the installed headers and libraries"

    binary="$project_build/$program"
    [[ -x "$binary" ]] || binary="$project_build/$config/$program"
    echo "install test: running $folder's $program"
    "$binary" || fail "$folder's $program exited with status $?"
done

echo "install test: passed"
