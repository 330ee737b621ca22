#!/usr/bin/env bash
# Strata's JMH benchmarks (io.strata.jmh.*: block layer I/O, snapshots, copy-up, lookup, merged readdir, whiteouts),
# in-process, no FUSE. Builds the benchmarks module in this checkout (mvn package, no install), copies the classes and
# jars to a scratch dir (a rebuild during the run changes nothing), runs them through io.strata.jmh.Suite and writes
# the results as JSON to benchmarks/results/jmh-DATE[-quick].json.
#   ./strata bench jmh                         # everything as each class declares it (long: see benchmarks/README.md)
#   ./strata bench jmh SnapshotBench           # one class (any JMH regexp)
#   ./strata bench jmh --quick                 # 1 fork, 1 s warm-up, 2 × 1 s, smallest sizes: a few minutes
#   ./strata bench jmh CopyUpBench -p size=4096,1073741824 -jvmArgsAppend -Dstrata.bench.dir=/srv/tmp
# Scratch data (stores, lower trees) goes under /var/tmp (-jvmArgsAppend -Dstrata.bench.dir=DIR) and is deleted.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
. "$here/scripts/deps.sh"
need_deps build

profile=() args=()
for a in "$@"; do
  case "$a" in
    --quick|--smoke) profile=("$a") ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done

scratch="$(mktemp -d /tmp/strata-jmh.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
build() { mvn -B -q "$@" -pl benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile="$scratch/cp.txt"; }
(cd "$here" && { build -o || build -ntp; }) >&2
cp -r "$here/benchmarks/target/classes" "$scratch/classes"
cp "$here/layer-store/target/strata-layer-store-0.1.0-SNAPSHOT.jar" "$here/fs-core/target/strata-fs-core-0.1.0-SNAPSHOT.jar" "$scratch/"
cp_line="$(sed "s#$here/layer-store/target/classes#$scratch/strata-layer-store-0.1.0-SNAPSHOT.jar#; s#$here/fs-core/target/classes#$scratch/strata-fs-core-0.1.0-SNAPSHOT.jar#; s#$here/layer-store/target/#$scratch/#; s#$here/fs-core/target/#$scratch/#" "$scratch/cp.txt")"

suffix=""
[ ${#profile[@]} -gt 0 ] && suffix="-${profile[0]#--}"
json="$here/benchmarks/results/jmh-$(date +%Y%m%d-%H%M%S)$suffix.json"
cd "$here"
java -cp "$scratch/classes:$cp_line" io.strata.jmh.Suite "${profile[@]}" --json "$json" "${args[@]}"
