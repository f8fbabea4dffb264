#!/usr/bin/env bash
# Builds one libFuzzer target of test/fuzz with ASan and UBSan (the llmq
# libraries instrumented too, in build-fuzz/) and runs it.
#
#   scripts/fuzz.sh TARGET [SECONDS]    (default 600)
#   scripts/fuzz.sh all [SECONDS]       every target in turn
#   scripts/fuzz.sh TARGET 0            replays test/fuzz/TARGET-corpus only,
#                                       naming each input that still fails
#
# TARGET is one of: gguf safetensors hf-index hf-config tokenizer ir.
# Seeds come from test/fuzz/TARGET-corpus; the growing corpus lives in
# build-fuzz/fuzz/corpus/TARGET and crashing inputs in
# build-fuzz/fuzz/artifacts/TARGET/. FUZZ_KEEP_GOING=1 keeps fuzzing after a
# report (libFuzzer's -fork=1 -ignore_crashes=1), to find more than one.
# The last line says the verdict, e.g.
#   fuzz: safetensors: 1234567 runs in 600 s, no report
# and the exit status is non-zero when there was a report.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
targets=(gguf safetensors hf-index hf-config tokenizer ir)
usage() { echo "usage: scripts/fuzz.sh TARGET|all [SECONDS] (TARGET: ${targets[*]})" >&2; exit 2; }
[ $# -ge 1 ] || usage
target=$1
seconds=${2:-600}
[[ $seconds =~ ^[0-9]+$ ]] || usage

if [ "$target" = all ]; then
  # Each target in turn, then every verdict again, together.
  status=0 verdicts=()
  for t in "${targets[@]}"; do
    out=$(mktemp)
    "$0" "$t" "$seconds" 2>&1 | tee "$out" || status=1
    verdicts+=("$(tail -1 "$out")")
    rm -f "$out"
  done
  printf '%s\n' "${verdicts[@]}"
  exit $status
fi
case " ${targets[*]} " in *" $target "*) ;; *) usage ;; esac
binary=$target-fuzzer
[ "$target" = gguf ] && binary=gguf-reader-fuzzer

dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null | grep -q "install ok installed" ||
  { echo "fuzz: needs libclang-rt-22-dev (apt-get install libclang-rt-22-dev)" >&2; exit 1; }

# Configure once; asserts stay on (no NDEBUG) so an assert on input is found.
build=$src/build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -G Ninja -S "$src" -B "$build" -DLLMQ_FUZZ=ON -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS_RELEASE=-O1 \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 "${launcher[@]}" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir >/dev/null
fi
ninja -C "$build" -j"${FUZZ_JOBS:-2}" "$binary" >&2

work=$build/fuzz
corpus=$work/corpus/$target
artifacts=$work/artifacts/$target
mkdir -p "$corpus" "$artifacts"
cp -n "$src/test/fuzz/$target-corpus/"* "$corpus/"
args=(-max_len=16384 -timeout=25 -rss_limit_mb=2048 -malloc_limit_mb=1024
      -print_final_stats=1 -artifact_prefix="$artifacts/")
[ "$target" = gguf ] && args[0]=-max_len=4096
[ -f "$src/test/fuzz/$target.dict" ] && args+=(-dict="$src/test/fuzz/$target.dict")
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in
# instrumented inline code that the uninstrumented system libMLIR does not
# unpoison, which reads as false use-after-poison reports.
export ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The targets' scratch directories; a crashing process leaves its own.
export LLMQ_FUZZ_TMP=$work/tmp/$target
rm -rf "$LLMQ_FUZZ_TMP" && mkdir -p "$LLMQ_FUZZ_TMP"
trap 'rm -rf "$LLMQ_FUZZ_TMP"' EXIT

if [ "$seconds" = 0 ]; then
  # Replay: each input of the target's corpus once, in its own process, so
  # that every input that still fails is named.
  log=$work/$target.log
  : > "$log"
  inputs=0 failed=()
  for input in "$src/test/fuzz/$target-corpus/"*; do
    inputs=$((inputs + 1))
    if ! "$build/fuzz/$binary" "${args[@]}" "$input" >>"$log" 2>&1; then
      failed+=("$(basename "$input")")
    fi
  done
  if [ ${#failed[@]} = 0 ]; then
    echo "fuzz: $target: $inputs inputs replayed, no report"
  else
    echo "fuzz: $target: REPORT for ${#failed[@]} of $inputs inputs: ${failed[*]} (log $log)"
    exit 1
  fi
  exit 0
fi
args+=(-max_total_time="$seconds")
runs_on=("$corpus")
[ "${FUZZ_KEEP_GOING:-0}" = 1 ] && args+=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)

log=$work/$target.log
stamp=$work/.$target.start
touch "$stamp"
start=$(date +%s)
set +e
"$build/fuzz/$binary" "${args[@]}" "${runs_on[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - start ))
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
# The inputs this run saved (fork mode also saves crashing seeds uncounted).
found=$(find "$artifacts" -type f -newer "$stamp" | sort | tr '\n' ' ')
# Fork mode (FUZZ_KEEP_GOING) counts what it ignored: "oom/timeout/crash: 0/0/1".
ignored=$(sed -n 's/.*oom\/timeout\/crash: \([0-9]*\/[0-9]*\/[0-9]*\).*/\1/p' "$log" | tail -1)
if [ "$status" = 0 ] && [ "${ignored:-0/0/0}" = 0/0/0 ] && [ -z "$found" ] &&
   ! grep -q "ERROR: \(AddressSanitizer\|LeakSanitizer\|libFuzzer\)\|runtime error:" "$log"; then
  echo "fuzz: $target: ${runs:-0} runs in $elapsed s, no report"
else
  [ -z "$ignored" ] || found="$found(oom/timeout/crash: $ignored) "
  echo "fuzz: $target: REPORT after ${runs:-?} runs in $elapsed s (exit $status; inputs: ${found:-none saved}; log $log)"
  exit 1
fi
