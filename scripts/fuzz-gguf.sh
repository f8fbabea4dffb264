#!/usr/bin/env bash
# Builds the GGUF reader's libFuzzer target with ASan and UBSan and runs it.
#
#   scripts/fuzz-gguf.sh [SECONDS]      (default 600)
#
# The same as scripts/fuzz.sh gguf SECONDS (see there and docs/fuzzing.md):
# seeds come from test/fuzz/gguf-corpus (regenerate with make-gguf-seeds.py);
# the growing corpus lives in build-fuzz/fuzz/corpus/gguf. A crashing input
# is written to build-fuzz/fuzz/artifacts/gguf/ and must be added to
# test/fuzz/gguf-corpus/ with a fix; test/fuzz/gguf-seeds.test replays the
# seeds through quant-translate.
exec "$(dirname "$0")/fuzz.sh" gguf "${1:-600}"
