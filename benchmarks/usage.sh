#!/usr/bin/env bash
# Usage counters (issue #8): the cost of counting on an untar through a real mount (usage=off vs usage=on, rounds
# interleaved, wall time and the server's CPU seconds), and Usage latency on the resulting upper (the walk containerd's
# overlayfs snapshotter does vs the counters). As root, after `mvn -B -ntp -q -DskipTests package`.
#   benchmarks/usage.sh [ROUNDS] [FILES] [inprocess]   (default 5 rounds of 20000 files; scratch under /var/tmp,
#   removed after; "inprocess": only the union's own CPU per file with and without counting, no FUSE)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
jar="$here/launcher/target/strata.jar"
[ -f "$jar" ] || { echo "build first: mvn -B -ntp -q -DskipTests package" >&2; exit 1; }
exec java -XX:+UseSerialGC -Xmx256m -cp "$jar" "$here/benchmarks/UsageBench.java" "${1:-5}" "${2:-20000}" "${3:-all}"
