# check.sh - assertions for shell tests. Each prints one line; check_done exits non-zero
# if any failed, so ctest sees the failure.
LW_CHECK_FAILED=0
LW_CHECK_COUNT=0
_lw_fail() { echo "FAIL: $1"; LW_CHECK_FAILED=$((LW_CHECK_FAILED + 1)); }
_lw_pass() { echo "ok:   $1"; }
check_eq() {  # name expected actual
    LW_CHECK_COUNT=$((LW_CHECK_COUNT + 1))
    if [ "$2" = "$3" ]; then _lw_pass "$1"; else _lw_fail "$1: expected '$2', got '$3'"; fi
}
check_gt() {  # name actual bound  (integers)
    LW_CHECK_COUNT=$((LW_CHECK_COUNT + 1))
    if [ "${2:-0}" -gt "$3" ] 2>/dev/null; then _lw_pass "$1 ($2)"; else _lw_fail "$1: '$2' is not > $3"; fi
}
check_grep() {  # name regex file
    LW_CHECK_COUNT=$((LW_CHECK_COUNT + 1))
    if grep -q -- "$2" "$3"; then _lw_pass "$1"; else _lw_fail "$1: /$2/ not in $3: $(head -c 300 "$3")"; fi
}
check_ok() {  # name shell-condition
    LW_CHECK_COUNT=$((LW_CHECK_COUNT + 1))
    if eval "$2"; then _lw_pass "$1"; else _lw_fail "$1"; fi
}
check_done() {
    echo "$LW_CHECK_COUNT checks, $LW_CHECK_FAILED failed"
    [ "$LW_CHECK_FAILED" -eq 0 ]
}
