#!/usr/bin/env bash
# Build the libFuzzer targets (tests/fuzz/fuzz_*.c, clang, ASan + UBSan) and run each
# for SECONDS (default 60) from its checked-in seed corpus, one after the other.
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]      e.g. scripts/fuzz.sh 600 http2 dns
#
# Environment: LW_FUZZ_BUILD (build dir, default build-fuzz), LW_FUZZ_WORK (where new
# corpus entries, logs and crash artifacts go; default a temp dir, kept on failure),
# LW_FUZZ_SEED (libFuzzer -seed; 0 = random, the default), LW_FUZZ_JOBS (build jobs, 2).
# Prints per target: executions, coverage (cov: edges, ft: features), corpus size,
# result. Exit 0 when no target found anything; 1 when one crashed, leaked, ran out of
# memory or hung (its log tail and reproducer are printed); 77 when clang or libFuzzer
# is missing. A long run (hours) is documented in tests/fuzz/README.md.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
build=${LW_FUZZ_BUILD:-$top/build-fuzz}
jobs=${LW_FUZZ_JOBS:-2}
if ! command -v clang >/dev/null; then
    echo "fuzz.sh: clang is not installed (Debian: clang libfuzzer-14-dev)" >&2
    exit 77
fi
probe=$(mktemp -d)
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' > "$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null; then
    rm -rf "$probe"
    echo "fuzz.sh: clang cannot link -fsanitize=fuzzer (Debian: libfuzzer-14-dev)" >&2
    exit 77
fi
rm -rf "$probe"
mkdir -p "$build"
cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DLW_FUZZ=ON \
    >"$build/fuzz-cmake.log" 2>&1 || { cat "$build/fuzz-cmake.log"; exit 1; }
cmake --build "$build" -j "$jobs" --target fuzz_all >"$build/fuzz-build.log" 2>&1 ||
    { tail -40 "$build/fuzz-build.log"; exit 1; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$top"/tests/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c)
        targets+=("${n#fuzz_}")
    done
fi
work=${LW_FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/lw-fuzz.XXXXXX")}
mkdir -p "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-12s %10s %7s %7s %7s  %s\n' target execs cov ft corpus result
for t in "${targets[@]}"; do
    bin="$build/tests/fuzz/fuzz_$t"
    seeds="$top/tests/fuzz/corpus/$t"
    [ -x "$bin" ] || { echo "fuzz.sh: no target fuzz_$t" >&2; failed=1; continue; }
    mkdir -p "$work/$t"
    # New entries go to the work dir (first corpus); the checked-in seeds stay as they
    # are. A 25 s per-input timeout and 2.5 GB RSS limit: only a real hang or leak of
    # memory fails, not a slow CI host.
    "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=25 -rss_limit_mb=2560 \
        -seed="${LW_FUZZ_SEED:-0}" -artifact_prefix="$work/$t-" "$work/$t" "$seeds" \
        >"$work/$t.log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$')
    last=$(grep -E '^#[0-9]+.*(cov|ft):' "$work/$t.log" | tail -1)
    cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
    ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
    corp=$(echo "$last" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*')
    if [ $rc -eq 0 ]; then
        res=ok
    else
        res="FOUND (exit $rc)"
        failed=1
    fi
    printf '%-12s %10s %7s %7s %7s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
        "${corp:-?}" "$res"
    if [ $rc -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$work/$t.log" | head -25 | sed 's/^/    /'
        ls "$work/$t"-* 2>/dev/null | sed 's/^/    reproducer: /'
    fi
done
if [ $failed -ne 0 ]; then
    echo "fuzz.sh: something was found; logs and reproducers in $work" >&2
    exit 1
fi
[ -z "${LW_FUZZ_WORK:-}" ] && rm -rf "$work"
exit 0
