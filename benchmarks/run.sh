#!/usr/bin/env bash
# The side-by-side benchmark: kernel overlayfs vs fuse-overlayfs vs Strata on the same workloads, in one run, as
# root on Debian. Installs what is missing (fuse-overlayfs, libfuse2, fuse3, JDK, maven), builds the Strata CLI jar
# and the harness when they are missing or older than the sources (--no-build skips that), then runs
# io.strata.bench.SideBySide in a scratch directory under /var/tmp that is deleted at the end.
#   benchmarks/run.sh                      full run (1 GiB, 50k/20k/10k files, 3 repetitions), ~10-15 min
#   benchmarks/run.sh --quick              ~2 min smoke run with small sizes
#   benchmarks/run.sh --only strata --strata-jvm -Dstrata.fuse.threads=single --strata-opts entry_timeout=5
#   benchmarks/run.sh --scaling lowers     cost vs number of lower layers (1..128), overlayfs/fuse-overlayfs/strata
#   benchmarks/run.sh --scaling snapshots  cost vs number of snapshots (1..1000), the block store through its daemon
#   benchmarks/run.sh --help               every option
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
. "$here/scripts/deps.sh"

if [ "$(id -u)" != 0 ]; then echo "benchmarks/run.sh: run as root (mount, drop_caches)" >&2; exit 2; fi
need_deps test   # the test set includes fuse-overlayfs

build=1 keep=0 scratch_given=0 args=()
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    --keep-scratch) keep=1; args+=("$a") ;;
    --scratch) scratch_given=1; args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done

bench_jar="$here/benchmarks/target/strata-benchmarks-0.1.0-SNAPSHOT-side-by-side.jar"
strata_jar="$here/launcher/target/strata.jar"
newer_sources() { # newer_sources JAR DIR...: a source or pom under DIRs newer than JAR
  local jar=$1; shift
  [ -n "$(find "$@" -path '*/target' -prune -o \
      \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]
}
build_modules() { # mvn install of the given -pl list, offline first
  echo "bench: building (mvn install -DskipTests -pl $*)..." >&2
  (cd "$here" && { mvn -q -B -o -DskipTests install -pl "$@" || mvn -q -B -ntp -DskipTests install -pl "$@"; }) >&2
}
if [ $build = 1 ]; then
  # Strata is rebuilt only when its own sources changed; the harness' sources rebuild only the harness.
  if [ ! -f "$strata_jar" ] || newer_sources "$strata_jar" "$here/pom.xml" "$here/fs-core" "$here/fs-fuse" \
       "$here/layer-store" "$here/launcher"; then
    build_modules launcher,benchmarks -am
  elif [ ! -f "$bench_jar" ] || newer_sources "$bench_jar" "$here/benchmarks"; then
    build_modules benchmarks
  fi
fi

# the harness runs from a copy: a rebuild during the run (it can take an hour) must not change its classes under it
run_jar="$(mktemp /var/tmp/strata-bench-harness.XXXXXX.jar)"
cp "$bench_jar" "$run_jar"

scratch=""
if [ $scratch_given = 0 ]; then
  scratch="$(mktemp -d /var/tmp/strata-bench.XXXXXX)"
  args+=(--scratch "$scratch")
fi
# Last resort if the JVM is killed outright (it cleans up by itself on normal exit and Ctrl-C): detach whatever is
# still mounted below the scratch directory, stop the servers this run started (their argv names the directory).
cleanup() {
  rm -f "$run_jar"
  [ -n "$scratch" ] && [ -d "$scratch" ] || return 0
  awk -v p="$scratch/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    echo "bench: detaching leftover mount $m" >&2; umount -l "$m" || true
  done
  for d in /proc/[0-9]*; do
    if tr '\0' ' ' < "$d/cmdline" 2>/dev/null | grep -qF "$scratch/"; then
      pid="${d#/proc/}"; [ "$pid" != $$ ] || continue
      echo "bench: stopping leftover server $pid" >&2; kill "$pid" 2>/dev/null || true
    fi
  done
  if [ $keep = 0 ] && ! awk -v p="$scratch/" 'index($5, p) == 1 {f=1} END {exit !f}' /proc/self/mountinfo; then
    rm -rf --one-file-system "$scratch"
  fi
}
trap cleanup EXIT

cd "$here"
java -Xmx1g -XX:+UseSerialGC -jar "$run_jar" "${args[@]}"
