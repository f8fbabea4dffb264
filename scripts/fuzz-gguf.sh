#!/usr/bin/env bash
# Builds the GGUF reader's libFuzzer target with ASan and UBSan and runs it.
#
#   scripts/fuzz-gguf.sh [SECONDS]      (default 600)
#
# Seeds come from test/fuzz/gguf-corpus (regenerate with make-gguf-seeds.py);
# the growing corpus lives in build/fuzz/corpus. A crashing input is written
# to build/fuzz/ and must be added to test/fuzz/gguf-corpus/ with a fix;
# test/fuzz/gguf-seeds.test replays the seeds through quant-translate.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q "install ok installed" ||
  { echo "fuzz-gguf: needs libclang-rt-22-dev (apt-get install libclang-rt-22-dev)" >&2; exit 1; }
mkdir -p build/fuzz/corpus
cp -n test/fuzz/gguf-corpus/* build/fuzz/corpus/
clang++-22 -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I. -isystem /usr/lib/llvm-22/include \
  test/fuzz/gguf-reader-fuzzer.cpp formats/files/GGUFReader.cpp formats/files/MappedFile.cpp \
  -L/usr/lib/llvm-22/lib -lLLVM -Wl,-rpath,/usr/lib/llvm-22/lib -o build/fuzz/gguf-reader-fuzzer
cd build/fuzz
ASAN_OPTIONS=detect_leaks=1 ./gguf-reader-fuzzer -max_total_time="$seconds" -max_len=4096 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus
