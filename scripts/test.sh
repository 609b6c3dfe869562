#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: install what is missing, build
# twice (release, and ASan+UBSan) and run every test with ctest in both; then a
# ThreadSanitizer build runs the tests where threads meet (pipeline, periodic stats,
# live reload, sinks). Tests that need Redis start their own redis-server on a free
# loopback port.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/deps.sh
jobs=$(nproc)
for variant in release asan; do
    dir="build-test-$variant"
    opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
    [ "$variant" = asan ] && opts=(-DCMAKE_BUILD_TYPE=Debug -DLW_SANITIZE=ON)
    echo "=== $variant build" >&2
    cmake -S . -B "$dir" "${opts[@]}" >/dev/null
    cmake --build "$dir" -j "$jobs" >/dev/null
    echo "=== $variant tests" >&2
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 900
done
# ThreadSanitizer: only what the threaded tests run is built.
dir=build-test-tsan
echo "=== tsan build" >&2
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLW_TSAN=ON >/dev/null
cmake --build "$dir" -j "$jobs" --target leakwatch pcapgen test_sinks_lines test_sinks_batch test_sinks_redis test_capture_ring test_capture_classify \
    >/dev/null
echo "=== tsan tests" >&2
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 900 \
    -R '^test_(pipeline|stats_live|live_reload|live_netns|sinks_lines|sinks_batch|sinks_redis|redis_e2e|capture_ring|capture_classify)$'
echo "=== all tests passed" >&2
