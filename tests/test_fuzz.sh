#!/usr/bin/env bash
# Every libFuzzer target (tests/fuzz/fuzz_*.c) runs LW_FUZZ_CI_SECONDS (default 10)
# from its checked-in seeds with ASan + UBSan, through scripts/fuzz.sh, with a fixed
# libFuzzer seed. Pass/fail depends only on whether a target crashed, leaked, hung or
# ran out of memory: execution counts and coverage are printed, never asserted.
# Skips (77) without clang/libFuzzer, and in sanitizer builds: the targets carry
# their own sanitizers, so one run (from the release build) is enough.
set -u
if grep -Eq '^LW_(SANITIZE|TSAN):BOOL=ON' "$LW_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: sanitizer build; the fuzz targets run from the release build's ctest"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-fuzzci.XXXXXX")
LW_FUZZ_BUILD="$LW_BUILD_DIR/fuzz" LW_FUZZ_SEED=1 LW_FUZZ_WORK="$T" LW_FUZZ_JOBS=2 \
    bash "$LW_SOURCE_DIR/scripts/fuzz.sh" "${LW_FUZZ_CI_SECONDS:-10}"
rc=$?
case $rc in
0) rm -rf "$T"; echo "no target found anything"; exit 0 ;;
77) rm -rf "$T"; echo "SKIP: clang or libFuzzer missing (scripts/deps.sh installs them)"; exit 77 ;;
*) echo "FAIL: see the reproducers above (kept in $T)"; exit 1 ;;
esac
