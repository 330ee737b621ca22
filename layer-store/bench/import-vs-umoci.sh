#!/usr/bin/env bash
# Import speed: `strata image import` of a ~50k-file OCI image against `umoci unpack` of the same image, in one run,
# interleaved, REPS times each (default 3); prints the medians and their ratio (issue #5: strata <= 1.5x umoci).
#   layer-store/bench/import-vs-umoci.sh [FILES] [REPS]       (as root; needs umoci: scripts/deps.sh test installs it)
# Works in /var/tmp (not tmpfs) and removes its directory at the end.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
files=${1:-50000}; reps=${2:-3}
command -v umoci >/dev/null || { echo "umoci missing (apt-get install umoci)" >&2; exit 1; }
cd "$here"
mvn -B -ntp -q -o -pl test-images,layer-store,launcher -am package -DskipTests >&2
mvn -B -ntp -q -o -pl test-images dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt >/dev/null 2>&1 || \
  mvn -B -ntp -q -pl test-images dependency:build-classpath -Dmdep.outputFile="$here/test-images/target/bench-cp.txt" >&2
cp_file="$here/test-images/target/bench-cp.txt"; [ -f "$cp_file" ] || cp_file="$here/target/bench-cp.txt"
work=$(mktemp -d /var/tmp/strata-import-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
java -cp "$here/test-images/target/classes:$(cat "$cp_file")" io.strata.testimages.ManyFiles "$work/image" "$files" >&2
jar="$here/launcher/target/strata.jar"
ms() { local s=$(date +%s%N); "$@" >/dev/null; echo $(( ($(date +%s%N) - s) / 1000000 )); }
strata_t=(); umoci_t=()
for i in $(seq "$reps"); do
  rm -rf "$work/store" "$work/bundle"; sync
  strata_t+=("$(ms java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$jar" image import --store "$work/store" -q "$work/image")")
  rm -rf "$work/store" "$work/bundle"; sync
  umoci_t+=("$(ms umoci unpack --image "$work/image:1" "$work/bundle")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
s=$(median "${strata_t[@]}"); u=$(median "${umoci_t[@]}")
echo "files=$files reps=$reps"
echo "strata image import: ${strata_t[*]} ms (median $s)"
echo "umoci unpack:        ${umoci_t[*]} ms (median $u)"
awk -v s="$s" -v u="$u" 'BEGIN {printf "ratio strata/umoci: %.2f\n", s/u}'
