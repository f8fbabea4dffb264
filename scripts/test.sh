#!/usr/bin/env bash
# Sets up, builds and runs every llmq test (lit + FileCheck, GoogleTest through
# lit, llama.cpp checks), then prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-llama-tools
ninja -C build -j"$(nproc)" LLMQUnitTests
set +e
/usr/lib/llvm-22/bin/lit -sv build/test build/test/unittests 2>&1 | tee build/lit.log
status=${PIPESTATUS[0]}
set -e
passed=$(grep -Eo '^ +Passed *: +[0-9]+' build/lit.log | grep -Eo '[0-9]+' | tail -1 || true)
failed=$(grep -Eo '^ +Failed *: +[0-9]+' build/lit.log | grep -Eo '[0-9]+' | tail -1 || true)
unsupported=$(grep -Eo '^ +Unsupported *: +[0-9]+' build/lit.log | grep -Eo '[0-9]+' | tail -1 || true)
echo "${passed:-0} passed, ${failed:-0} failed, ${unsupported:-0} skipped"
exit "$status"
