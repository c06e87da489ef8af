#!/usr/bin/env bash
# Build llama.cpp's own `llama-bench` from the very llama.cpp source that the installed
# llama-cpp-python vendors, with the same CMAKE_ARGS, so `quire bench` compares like with like.
# Usage: scripts/build_llama_bench.sh PYTHON [BUILD_DIR]   (prints the binary's path)
set -euo pipefail
python=${1:?usage: build_llama_bench.sh PYTHON [BUILD_DIR]}
build=$(realpath -m "${2:-build/llama-bench}")
version=$("$python" -c 'import importlib.metadata as m; print(m.version("llama_cpp_python"))')
binary="$build/$version/bin/llama-bench"
if [ -x "$binary" ]; then echo "$binary"; exit 0; fi
mkdir -p "$build/src"
sdist="$build/src/llama_cpp_python-$version.tar.gz"
if [ ! -f "$sdist" ]; then
  "$python" -m pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$version" -d "$build/src" >&2
fi
tar -xzf "$sdist" -C "$build/src"
source="$build/src/llama_cpp_python-$version/vendor/llama.cpp"
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of flags
cmake -S "$source" -B "$build/$version" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$build/$version/bin" ${CMAKE_ARGS:--DGGML_NATIVE=OFF} >&2
cmake --build "$build/$version" --target llama-bench -j "$(nproc)" >&2
echo "$binary"
