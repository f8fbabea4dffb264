#!/usr/bin/env bash
# Builds llama.cpp's own command-line tools (llama-quantize, llama-perplexity,
# llama-imatrix) from the source that node-llama-cpp ships as a git bundle,
# into a cache outside the clone, and prints the folder that holds them.
# A cache that is already built is reused as it is.
#
#   scripts/llama-cpp-tools.sh            # build if missing, print the bin dir
#
# LLMQ_CACHE chooses the cache (default: ~/.cache/llmq). The folder is named
# after the bundle's commit, so a new node-llama-cpp pin builds anew.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=scripts/llama-cpp/node_modules/node-llama-cpp/llama/gitRelease.bundle
[ -f "$bundle" ] || { echo "llama-cpp-tools: $bundle is missing (run scripts/setup.sh)" >&2; exit 1; }
commit=$(git bundle list-heads "$bundle" | awk '$2 == "HEAD" {print $1}')
cache=${LLMQ_CACHE:-$HOME/.cache/llmq}/llama.cpp-${commit:0:12}
tools=(llama-quantize llama-perplexity llama-imatrix)
have_all() { for t in "${tools[@]}"; do [ -x "$cache/bin/$t" ] || return 1; done; }
if ! have_all; then
  echo "llama-cpp-tools: building ${tools[*]} of llama.cpp ${commit:0:12} into $cache (10-25 minutes on 2 cores)" >&2
  mkdir -p "$cache"
  [ -d "$cache/src/.git" ] || git clone -q "$bundle" "$cache/src"
  git -C "$cache/src" checkout -q "$commit"
  cmake -G Ninja -S "$cache/src" -B "$cache/build" -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF >/dev/null
  ninja -C "$cache/build" -j"$(nproc)" "${tools[@]}" >&2
  mkdir -p "$cache/bin"
  for t in "${tools[@]}"; do cp "$cache/build/bin/$t" "$cache/bin/$t"; done
fi
echo "$cache/bin"
