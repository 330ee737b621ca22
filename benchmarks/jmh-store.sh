#!/usr/bin/env bash
# JMH benchmarks of the block store's in-process paths (io.strata.jmh.store.*): builds the benchmarks module in this
# checkout (no install), copies the jars to a scratch dir (a rebuild during the run changes nothing), runs JMH.
#   benchmarks/jmh-store.sh                      # all: SnapshotBench, WriteBench, ReadBench
#   benchmarks/jmh-store.sh 'ReadBench' -p unit=16384 -jvmArgsAppend -Dstrata.store.blobFiles=false
# Stores are created under /var/tmp (a real disk; -Dstrata.bench.dir=DIR to change) and deleted afterwards.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
filter="${1:-io.strata.jmh.store}"; shift || true
scratch="$(mktemp -d /tmp/strata-jmh.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
(cd "$here" && mvn -B -ntp -q -o -pl benchmarks -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile="$scratch/cp.txt") >&2
cp -r "$here/benchmarks/target/classes" "$scratch/classes"
cp "$here/layer-store/target/strata-layer-store-0.1.0-SNAPSHOT.jar" "$here/fs-core/target/strata-fs-core-0.1.0-SNAPSHOT.jar" "$scratch/"
cp_line="$(sed "s#$here/layer-store/target/#$scratch/#; s#$here/fs-core/target/#$scratch/#" "$scratch/cp.txt")"
java -cp "$scratch/classes:$cp_line" org.openjdk.jmh.Main "$filter" "$@"
