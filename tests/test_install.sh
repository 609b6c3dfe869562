#!/usr/bin/env bash
# Installation (issue 15, defect 2), as a gateway gets it:
# - `cmake --install BUILD --prefix P` puts the binary, the rule data, the docs, both man
#   pages, the systemd unit (with P's paths), bash completion and leakwatch-report in
#   place; the installed tree is then copied elsewhere and P removed, and where the
#   kernel lets us the checkout and the build tree are also hidden (a mount namespace
#   with empty directories over them), so the binary can only find its rule data
#   relative to itself. Its findings on the sample, with no --rules, equal the
#   in-tree run's.
# - `man -l` renders the installed pages; the completion offers the options --help has.
# - `--rules A --rules B` layers B over A: a file of the same name replaces, a new one
#   adds; --rules wins over $LEAKWATCH_RULES, which wins over the shipped data.
# - `cpack -G DEB` makes a package whose file list (dpkg-deb -c) has all of the above
#   under /usr and whose Depends names the libraries.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-install.XXXXXX")
trap '[ -n "${LW_KEEP:-}" ] || rm -rf "$T"' EXIT
cp "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" "$LW_SOURCE_DIR/docs/sample/lab.yaml" "$T/"
unset LEAKWATCH_RULES
# Work from the temporary directory: the checkout and build tree may be hidden below.
cd "$T" || exit 1

findings() {  # events file -> one sorted line per finding/contact, ignoring flow ids
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "privacy_leak":
        i = e["identifier"]
        print("leak", e["host"], e["sdk"], e["device"], i["type"], i["form"], i["where"], e["verdict"], e["policy"])
    elif e["event_type"] == "sdk_contact":
        print("contact", e["device"], e["sdk"], e["declared"], e["policy"])
' "$1" | sort
}

echo "== cmake --install"
cmake --install "$LW_BUILD_DIR" --prefix "$T/p" > "$T/install.log" 2>&1
check_eq "cmake --install --prefix: exit" 0 $?
for f in bin/leakwatch bin/leakwatch-report share/leakwatch/ontology.yaml \
         share/leakwatch/sdks/alibaba.yaml share/leakwatch/policies/xiaoying-kankan.yaml \
         share/leakwatch/VERSION share/leakwatch/lw-consume.py share/leakwatch/report/report.html.j2 \
         share/doc/leakwatch/README.md share/doc/leakwatch/events.md \
         share/doc/leakwatch/files.md share/doc/leakwatch/events.schema.json \
         share/man/man1/leakwatch.1 share/man/man5/leakwatch-files.5 \
         share/bash-completion/completions/leakwatch lib/systemd/system/leakwatch.service \
         etc/leakwatch/rules/README; do
    check_ok "installed: $f" "[ -s '$T/p/$f' ]"
done
unit="$T/p/lib/systemd/system/leakwatch.service"
check_grep "unit: ExecStart is the installed binary" "^ExecStart=$T/p/bin/leakwatch " "$unit"
check_grep "unit: shipped rules, then the lab's layer" "--rules $T/p/share/leakwatch --rules $T/p/etc/leakwatch/rules" "$unit"
check_grep "unit: StateDirectory for the spool" '^StateDirectory=leakwatch' "$unit"
check_grep "unit: spool path under /var/lib/leakwatch" '--spool /var/lib/leakwatch/spool.jsonl' "$unit"
check_eq "unit: no @VAR@ left" "" "$(grep -o '@[A-Z_]*@' "$unit")"
check_eq "unit: no PrivateTmp spool promise broken (no /var/tmp)" "" "$(grep -o '/var/tmp' "$unit")"
if command -v systemd-analyze > /dev/null; then
    # Only the Documentation= man page may be missing (not in this system's man path).
    systemd-analyze verify "$unit" 2>&1 | grep -v "Command 'man leakwatch(1)' failed" > "$T/verify"
    check_eq "unit: systemd-analyze verify finds nothing else" "" "$(cat "$T/verify")"
fi

echo "== the installed tree, moved"
cp -a "$T/p" "$T/moved" && rm -rf "$T/p"
LWI="$T/moved/bin/leakwatch"
"$LWI" --help > "$T/help" 2>&1
check_grep "--help shows the real default: the moved share/leakwatch" "here $T/moved/share/leakwatch" "$T/help"
# Hide the checkout and the build tree when a user+mount namespace can be had.
hide=""
if unshare -rm true 2> /dev/null; then
    hide="unshare -rm sh -c 'mount -t tmpfs none \"$LW_SOURCE_DIR\" && mount -t tmpfs none \"$LW_BUILD_DIR\" 2>/dev/null; exec \"\$0\" \"\$@\"'"
else
    echo "note: no mount namespace here; the checkout stays visible (the binary still prefers its own share/)"
fi
run_installed() { if [ -n "$hide" ]; then eval "$hide" '"$@"'; else "$@"; fi; }
run_installed sh -c "ls '$LW_SOURCE_DIR' | wc -l" > "$T/visible" 2>&1
[ -n "$hide" ] && check_eq "namespace: the checkout looks empty" 0 "$(cat "$T/visible")"
run_installed "$LWI" -q -r "$T/lab-sample.pcap" --profile "$T/lab.yaml" > "$T/inst.json" 2> "$T/inst.err"
check_eq "installed binary, no --rules: exit 0" 0 $?
"$LEAKWATCH" -q -r "$T/lab-sample.pcap" --profile "$T/lab.yaml" > "$T/tree.json"
findings "$T/inst.json" > "$T/inst.f"; findings "$T/tree.json" > "$T/tree.f"
check_gt "in-tree run has findings" "$(grep -c '^leak' "$T/tree.f")" 10
check_ok "installed findings equal the in-tree run's" "diff '$T/tree.f' '$T/inst.f'"
run_installed "$LWI" --check-rules > "$T/check" 2>&1
check_eq "installed --check-rules: exit 0" 0 $?
check_grep "installed --check-rules checks the moved share/leakwatch" "^$T/moved/share/leakwatch: 0 errors" "$T/check"
run_installed "$LWI" -V > "$T/version" 2>&1
check_grep "installed -V: the shipped rule data's version, from the moved tree" "^rule data .*, $T/moved/share/leakwatch\$" "$T/version"
run_installed "$T/moved/bin/leakwatch-report" --json "$T/r.json" --html "$T/r.html" "$T/inst.json" > /dev/null 2> "$T/report.err"
rc=$?; check_ok "installed leakwatch-report: exit 0 or 1 (a gate), not an error" "[ $rc -le 1 ]"
check_ok "installed leakwatch-report wrote its HTML page (templates found)" "grep -q '<html' '$T/r.html'"
check_ok "installed leakwatch-report read the shipped policies" "python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if \"xiaoying-kankan\" in json.dumps(s) else 1)' '$T/r.json'"

echo "== man pages and completion"
for p in man1/leakwatch.1 man5/leakwatch-files.5; do
    command -v man > /dev/null || { check_ok "man installed (Debian: man-db)" false; break; }
    MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$T/moved/share/man/$p" > "$T/man.out" 2> "$T/man.err"
    check_eq "man -l $p: exit 0" 0 $?
    check_eq "man -l $p: no warning" "" "$(cat "$T/man.err")"
    check_gt "man -l $p: rendered lines" "$(wc -l < "$T/man.out")" 30
done
comp="$T/moved/share/bash-completion/completions/leakwatch"
got=$(bash -c '. "$1"; COMP_WORDS=(leakwatch --ru); COMP_CWORD=1; _leakwatch; echo "${COMPREPLY[*]}"' _ "$comp")
check_eq "completion: --ru -> --rules" "--rules" "$got"
got=$(bash -c '. "$1"; COMP_WORDS=(leakwatch --evidence ""); COMP_CWORD=2; _leakwatch; echo "${COMPREPLY[*]}"' _ "$comp")
check_eq "completion: --evidence values" "redacted raw" "$got"
grep -oE -- '--[a-z][a-z-]*' "$T/help" | sort -u > "$T/help.opts"
missing=""
while read -r o; do grep -qE -- "(^|[ \"])$o( |$|\")" "$comp" || missing="$missing $o"; done < "$T/help.opts"
check_eq "completion knows every --help long option" "" "$missing"

echo "== --rules layering"
shipped="$T/moved/share/leakwatch"
mkdir -p "$T/lab/policies" "$T/lab/sdks"
# Same file name as a shipped policy: replaces it. Adjust is now in its SDK list.
python3 - "$shipped/policies/xiaoying-kankan.yaml" "$T/lab/policies/xiaoying-kankan.yaml" <<'PY'
import sys
src = open(sys.argv[1]).read()
add = '''  - sdk: adjust
    declares: [imei, oaid, idfa]
    clause: "lab override: Adjust added"
'''
i = src.index("sdks:\n") + len("sdks:\n")
open(sys.argv[2], "w").write(src[:i] + add + src[i:])
PY
# A new file: an SDK the shipped catalogue does not have.
cat > "$T/lab/sdks/lab-vendor.yaml" <<'Y'
- id: lab-vendor
  name: Example vendor SDK
  vendor: Example
  domains: [example-vendor.com]
  source: "lab test"
Y
"$LEAKWATCH" -q -r "$T/lab-sample.pcap" --profile "$T/lab.yaml" --rules "$shipped" --rules "$T/lab" > "$T/layer.json" 2> "$T/layer.err"
check_eq "--rules shipped --rules lab: exit 0" 0 $?
findings "$T/layer.json" > "$T/layer.f"
check_grep "layered policy replaced the shipped one: adjust declared" '^contact pixel6-a adjust True xiaoying-kankan' "$T/layer.f"
check_grep "layered SDK added: example-vendor.com is lab-vendor" '^leak api.example-vendor.com lab-vendor ' "$T/layer.f"
check_grep "without the layer adjust is undeclared" '^contact pixel6-a adjust False' "$T/tree.f"
check_grep "shipped SDKs still there with the layer" '^contact pixel6-a umeng True' "$T/layer.f"
# Same policy id in another file name, sorting after and before the shipped one: the
# later layer's policy still wins; the same id twice in one layer stays an error.
for name in zz-mine aa-mine; do
    mkdir -p "$T/lab-$name/policies"
    cp "$T/lab/policies/xiaoying-kankan.yaml" "$T/lab-$name/policies/$name.yaml"
    "$LEAKWATCH" -q -r "$T/lab-sample.pcap" --profile "$T/lab.yaml" --rules "$shipped" --rules "$T/lab-$name" > "$T/$name.json" 2> "$T/$name.err"
    check_eq "policy id override from $name.yaml: exit 0" 0 $?
    check_ok "policy id override from $name.yaml: adjust declared" "findings '$T/$name.json' | grep -q '^contact pixel6-a adjust True xiaoying-kankan'"
done
cp "$T/lab/policies/xiaoying-kankan.yaml" "$T/lab-zz-mine/policies/zz-other.yaml"
"$LEAKWATCH" --check-rules --rules "$shipped" --rules "$T/lab-zz-mine" > "$T/dupid" 2>&1
check_eq "one id twice in one layer: --check-rules exit 1" 1 $?
check_grep "one id twice in one layer: said" "policy id xiaoying-kankan defined twice" "$T/dupid"
nship=$("$LEAKWATCH" --check-rules --rules "$shipped" 2>&1 | sed -n 's/.* \([0-9]*\) SDKs.*/\1/p' | head -n 1)
"$LEAKWATCH" --check-rules --rules "$shipped" --rules "$T/lab" > "$T/lcheck" 2>&1
check_eq "--check-rules over the layers: exit 0" 0 $?
check_grep "--check-rules counts the added SDK (and the shipped imported ones)" \
    " $((nship + 1)) SDKs" "$T/lcheck"
"$LEAKWATCH" -q -r "$T/lab-sample.pcap" --profile "$T/lab.yaml" --rules "$T/lab" > /dev/null 2> "$T/noont.err"
check_eq "a layer alone without an ontology is refused" 1 $?
LEAKWATCH_RULES="$shipped:$T/lab" "$LEAKWATCH" -q -r "$T/lab-sample.pcap" --profile "$T/lab.yaml" > "$T/env.json"
findings "$T/env.json" > "$T/env.f"
check_ok "\$LEAKWATCH_RULES=A:B layers like --rules A --rules B" "diff '$T/layer.f' '$T/env.f'"
# leakwatch-report layers the same way: the lab's policy declares idfa for Adjust, which
# no packet carried, so its matrix has an "unseen" idfa cell for Adjust only then.
unseen() {  # report JSON -> state of the adjust row's idfa cell
    python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(" ".join(r["cells"].get("idfa", {}).get("state", "-") for a in s["apps"] for r in a["matrix"]["rows"] if r["row"] == "adjust"))' "$1"
}
"$T/moved/bin/leakwatch-report" --rules "$shipped" --rules "$T/lab" --json "$T/rl.json" "$T/layer.json" > /dev/null 2>&1
check_eq "report --rules A --rules B: the layer's declaration is read" "unseen" "$(unseen "$T/rl.json")"
LEAKWATCH_RULES="$shipped:$T/lab" "$T/moved/bin/leakwatch-report" --json "$T/re.json" "$T/layer.json" > /dev/null 2>&1
check_eq "report with \$LEAKWATCH_RULES=A:B: the same" "unseen" "$(unseen "$T/re.json")"
"$T/moved/bin/leakwatch-report" --rules "$shipped" --json "$T/rs.json" "$T/layer.json" > /dev/null 2>&1
check_ok "report without the layer: no unseen idfa for Adjust" "[ \"\$(unseen '$T/rs.json')\" != unseen ]"
LEAKWATCH_RULES="$T/nonexistent" "$LEAKWATCH" -q -r "$T/lab-sample.pcap" --rules "$shipped" > /dev/null 2>&1
check_eq "--rules wins over \$LEAKWATCH_RULES" 0 $?
LEAKWATCH_RULES="$T/nonexistent" "$LEAKWATCH" -q -r "$T/lab-sample.pcap" > /dev/null 2> "$T/env.err"
check_eq "\$LEAKWATCH_RULES wins over the shipped data" 1 $?
check_grep "... and names the missing directory" "nonexistent: no such rules directory" "$T/env.err"

echo "== cpack -G DEB"
if command -v cpack > /dev/null && command -v dpkg-deb > /dev/null; then
    (cd "$T" && cpack -G DEB --config "$LW_BUILD_DIR/CPackConfig.cmake" -B "$T/pkg") > "$T/cpack.log" 2>&1
    check_eq "cpack -G DEB: exit 0" 0 $?
    deb=$(ls "$T"/pkg/*.deb 2> /dev/null | head -1)
    check_ok "a .deb was made" "[ -s '$deb' ]"
    dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' > "$T/deb.list"
    for f in /usr/bin/leakwatch /usr/bin/leakwatch-report /usr/share/leakwatch/ontology.yaml \
             /usr/share/leakwatch/policies/xiaoying-kankan.yaml /usr/share/man/man1/leakwatch.1 \
             /usr/share/man/man5/leakwatch-files.5 /usr/share/doc/leakwatch/README.md \
             /usr/lib/systemd/system/leakwatch.service /etc/leakwatch/rules/README \
             /usr/share/bash-completion/completions/leakwatch; do
        check_grep "deb has $f" "^$f\$" "$T/deb.list"
    done
    dpkg-deb -I "$deb" > "$T/deb.info"
    check_grep "deb Depends names libpcap" '^ Depends:.*libpcap' "$T/deb.info"
    check_grep "deb Depends names hyperscan" '^ Depends:.*libhyperscan' "$T/deb.info"
    check_grep "deb Depends names nDPI" '^ Depends:.*libndpi' "$T/deb.info"
    mkdir "$T/ctl" && dpkg-deb -e "$deb" "$T/ctl"
    check_grep "deb: /etc/leakwatch/rules/README is a conffile" '^/etc/leakwatch/rules/README$' "$T/ctl/conffiles"
    mkdir "$T/x" && dpkg-deb -x "$deb" "$T/x"
    check_grep "deb unit runs /usr/bin/leakwatch" '^ExecStart=/usr/bin/leakwatch ' "$T/x/usr/lib/systemd/system/leakwatch.service"
    check_grep "deb unit layers /etc/leakwatch/rules" '--rules /usr/share/leakwatch --rules /etc/leakwatch/rules' "$T/x/usr/lib/systemd/system/leakwatch.service"
else
    echo "note: no cpack/dpkg-deb, package not checked"
fi
check_done
