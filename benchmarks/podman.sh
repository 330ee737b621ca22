#!/usr/bin/env bash
# podman run --rm IMAGE /bin/true with Strata vs fuse-overlayfs as the overlay driver's mount_program: the same
# image (the bundled 3-layer test image), the same podman and runc, private stores, rounds interleaved. Also the mount
# programs' own start time (command until it returns with the mount live), which is what Strata adds to a run.
# As root on Debian; prints a markdown report (benchmarks/RESULTS.md, podman section, was made with it).
#   benchmarks/podman.sh [--rounds N] [--no-build]
# Configurations:
#   strata          bin/strata-overlay as it is (one JVM per mount, class-data archive)
#   strata-no-cds   the same with STRATA_CDS=off (no archive)
#   strata-2jvm     what bin/strata-overlay did before: a JVM that validates and starts a second, serving JVM
#   fuse-overlayfs  /usr/bin/fuse-overlayfs (Debian)
#   kernel overlay  the overlay driver without a mount_program (reference)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
. "$here/scripts/deps.sh"
if [ "$(id -u)" != 0 ]; then echo "benchmarks/podman.sh: run as root (rootful podman, mounts)" >&2; exit 2; fi
need_deps test   # podman, runc, fuse-overlayfs

rounds=10 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --no-build) build=0 ;;
    *) echo "usage: benchmarks/podman.sh [--rounds N] [--no-build]" >&2; exit 2 ;;
  esac
  shift
done

jar="$here/launcher/target/strata.jar"
if [ $build = 1 ] && { [ ! -f "$jar" ] || [ -n "$(find "$here/pom.xml" "$here/fs-core" "$here/fs-fuse" "$here/layer-store" \
    "$here/launcher" "$here/test-images" -path '*/target' -prune -o \( -name '*.java' -o -name pom.xml \) -newer "$jar" -print -quit)" ]; }; then
  echo "podman.sh: building the jar (mvn package)..." >&2
  (cd "$here" && { mvn -q -B -o -DskipTests package -pl launcher -am || mvn -q -B -ntp -DskipTests package -pl launcher -am; }) >&2
fi

# Short paths: podman's cleanup process refuses a runroot longer than 50 characters.
work="$(mktemp -d /tmp/spb.XXXXXX)"
cgroup="/strata-bench-$$"
image=localhost/strata-test/three-layers:1
names=(strata strata-no-cds strata-2jvm fuse-overlayfs overlay)

store_env() { # store_env NAME: the env that selects the store's private configs
  echo "CONTAINERS_CONF=$work/$1/containers.conf CONTAINERS_STORAGE_CONF=$work/$1/storage.conf"
}
pod() { # pod NAME ARGS...: podman on that store, in its directory (conmon drops an "oom" file into its cwd)
  local n=$1; shift
  (cd "$work/$n" && env $(store_env "$n") podman "$@")
}
cleanup() {
  set +e
  for n in "${names[@]}"; do
    [ -f "$work/$n/storage.conf" ] || continue
    pod "$n" rm -af >/dev/null 2>&1; pod "$n" rmi -af >/dev/null 2>&1; pod "$n" system reset -f >/dev/null 2>&1
  done
  awk -v p="$work/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  for c in /sys/fs/cgroup/*"$cgroup" /sys/fs/cgroup/"${cgroup#/}"; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

java -cp "$jar" io.strata.testimages.Main "$work/images" three-layers >/dev/null
archive="$work/images/three-layers-gzip.docker.tar"
cat >"$work/strata-overlay-no-cds" <<EOF
#!/bin/sh
STRATA_CDS=off exec "$here/bin/strata-overlay" "\$@"
EOF
cat >"$work/strata-overlay-2jvm" <<EOF
#!/bin/sh
exec /usr/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$jar" io.strata.launcher.OverlayMain "\$@"
EOF
chmod +x "$work/strata-overlay-no-cds" "$work/strata-overlay-2jvm"
declare -A program=([strata]="$here/bin/strata-overlay" [strata-no-cds]="$work/strata-overlay-no-cds"
  [strata-2jvm]="$work/strata-overlay-2jvm" [fuse-overlayfs]=/usr/bin/fuse-overlayfs [overlay]="")
for n in "${names[@]}"; do
  mkdir -p "$work/$n"
  {
    printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$work/$n/graph" "$work/$n/run"
    [ -n "${program[$n]}" ] && printf '[storage.options.overlay]\nmount_program = "%s"\n' "${program[$n]}"
  } >"$work/$n/storage.conf"
  printf '%s\n' '[containers]' 'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]' 'netns = "none"' \
    '[engine]' 'runtime = "runc"' 'cgroup_manager = "cgroupfs"' 'events_logger = "file"' 'lock_type = "file"' \
    "tmp_dir = \"$work/$n/tmp\"" >"$work/$n/containers.conf"
  pod "$n" load -q -i "$archive" >/dev/null
done

ms() { echo $(( ($2 - $1) / 1000000 )); }
declare -A runs starts cpus
run_once() { # run_once NAME: podman run --rm IMAGE /bin/true, in ms
  local s e; s=$(date +%s%N)
  pod "$1" run --rm --cgroup-parent "$cgroup" "$image" /bin/true >/dev/null
  e=$(date +%s%N); ms "$s" "$e"
}
# the mount programs alone, over a small union (their start does not depend on the layers' size)
mkdir -p "$work/m/upper" "$work/m/work" "$work/m/merged" "$work/m/lower"
echo "motd" >"$work/m/lower/motd"
tick_ms=$(( 1000 / $(getconf CLK_TCK) ))
start_once() { # start_once NAME: "WALL CPU": ms from exec until it returns with the mount live, and the CPU ms spent
  # (the processes it waited for, plus the serving process so far: less sensitive to a busy machine than wall time)
  local p=${program[$1]} s e srv waited server=0
  rm -rf "$work/m/upper" "$work/m/work"; mkdir -p "$work/m/upper" "$work/m/work"
  s=$(date +%s%N)
  /usr/bin/time -o "$work/time.txt" -f '%U %S' \
    "$p" -o "lowerdir=$work/m/lower,upperdir=$work/m/upper,workdir=$work/m/work" "$work/m/merged" >/dev/null 2>&1
  e=$(date +%s%N)
  srv=$(pgrep -f -- "$work/m/merged" | head -1)
  [ -n "$srv" ] && server=$(awk -v t="$tick_ms" '{sub(/^.*\) /, ""); print ($12 + $13) * t}' "/proc/$srv/stat")
  waited=$(awk '{printf "%d", ($1 + $2) * 1000}' "$work/time.txt")
  fusermount3 -u "$work/m/merged"
  echo "$(ms "$s" "$e") $((waited + server))"
}

echo "podman.sh: warming up (the first strata mount builds the class-data archive)..." >&2
for n in "${names[@]}"; do run_once "$n" >/dev/null; run_once "$n" >/dev/null; done
for r in $(seq 1 "$rounds"); do
  echo "podman.sh: round $r/$rounds" >&2
  for n in "${names[@]}"; do runs[$n]+="$(run_once "$n") "; done
  for n in strata strata-no-cds strata-2jvm fuse-overlayfs; do
    read -r wall cpu <<<"$(start_once "$n")"
    starts[$n]+="$wall "; cpus[$n]+="$cpu "
    sleep 0.2
  done
done

stats() { # stats "N N N ...": median min max
  tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1], a[NR]}'
}
row() { # row LABEL VALUES REF_MEDIAN
  read -r med min max <<<"$(stats "$2")"
  printf '| %s | %d | %d–%d | %s |\n' "$1" "$med" "$min" "$max" "$(awk -v a="$med" -v b="$3" 'BEGIN {printf "%.1f×", a / b}')"
}
read -r fo_run _ _ <<<"$(stats "${runs[fuse-overlayfs]}")"
read -r fo_start _ _ <<<"$(stats "${starts[fuse-overlayfs]}")"
echo "## podman run --rm IMAGE /bin/true ($rounds rounds, interleaved; $(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "$(podman --version), $(runc --version | head -1), fuse-overlayfs $(fuse-overlayfs --version 2>&1 | awk '/fuse-overlayfs/ {print $3; exit}'),"
echo "java $(java -version 2>&1 | awk -F'"' '/version/ {print $2}'), $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| mount_program | median ms | min–max ms | vs fuse-overlayfs |"
echo "|---|---:|---:|---:|"
for n in "${names[@]}"; do row "$n" "${runs[$n]}" "$fo_run"; done
echo
echo "## The mount program alone: exec until it returns with the mount live"
echo
echo "| program | median ms | min–max ms | vs fuse-overlayfs | CPU ms, median (min–max) |"
echo "|---|---:|---:|---:|---:|"
for n in strata strata-no-cds strata-2jvm fuse-overlayfs; do
  read -r cmed cmin cmax <<<"$(stats "${cpus[$n]}")"
  printf '%s %d (%d–%d) |\n' "$(row "$n" "${starts[$n]}" "$fo_start")" "$cmed" "$cmin" "$cmax"
done
