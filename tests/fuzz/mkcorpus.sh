#!/usr/bin/env bash
# Regenerate the checked-in seed corpora tests/fuzz/corpus/<target>/ from our own
# generators: lw_seedgen (tests/fuzz/seedgen.c) for the protocol and capture seeds,
# and the shipped rule files and sample profile for the YAML loaders (behind their
# selector byte, see fuzz_yaml.c). Usage: tests/fuzz/mkcorpus.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: mkcorpus.sh BUILD_DIR (with tests/fuzz/lw_seedgen built)}
out="$top/tests/fuzz/corpus"
rm -rf "$out"
"$build/tests/fuzz/lw_seedgen" corpus "$out"
mkdir -p "$out/yaml"
yseed() { { printf "\\$(printf %03o "$1")"; cat "$2"; } > "$out/yaml/$3"; }
yseed 0 "$top/docs/sample/lab.yaml" profile
# The ontology is the largest rule file; its first categories are enough of a seed.
head -c 4000 "$top/data/ontology.yaml" > "$out/yaml/.ont"
yseed 1 "$out/yaml/.ont" ontology
rm "$out/yaml/.ont"
yseed 2 "$(ls "$top"/data/sdks/*.yaml | head -1)" catalog
yseed 3 "$top/data/policies/xiaoying-kankan.yaml" policy
# A cached catalogue (rules/catalog.c), as a run stores it, without diskcache's header.
t=$(mktemp -d)
mkdir -p "$t/rules/sdks"
cp "$top/data/sdks/push.yaml" "$t/rules/sdks/"
XDG_CACHE_HOME=$t/cache "$build/cli/leakwatch" -q --rules "$t/rules" \
    -r "$top/tests/data/pcaps/android.pcap" -o /dev/null
tail -c +81 "$t"/cache/leakwatch/*.catalog > "$t/cat"
yseed 4 "$t/cat" catalog-cache
rm -rf "$t"
du -sh "$out"
