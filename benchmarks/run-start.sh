#!/usr/bin/env bash
# `strata run --rm IMAGE /bin/true` end to end (./strata as a user runs it, the store daemon already up: the native
# client), the same through the JVM CLI (strata-jvm: STRATA_CLIENT=off), against `runc run` of a bundle with the same
# image's files and, where podman is installed, `podman run --rm` of the same image (vfs storage in a private root,
# runc, cgroupfs); rounds interleaved; prints each time and the medians of the wall time, of the CPU time of the
# command and what it waited for (user+sys, /usr/bin/time) and, for strata, of the store daemon's CPU time per run
# (/proc/PID/stat utime+stime: what the daemon's JVM spent on the run).
# As root, after a build (uses launcher/target/strata.jar and the flags of ./strata).
#   benchmarks/run-start.sh [ROUNDS]      (default 9; KINDS="strata runc" to choose)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
rounds=${1:-9}
jar="$here/launcher/target/strata.jar"
[ -f "$jar" ] || { echo "build first: ./strata --version" >&2; exit 1; }
d=$(mktemp -d /var/tmp/strata-run-bench-XXXXXX)
store="$d/store"
strata() { "$here/strata" "$@"; }
cleanup() {
  set +e
  strata daemon stop --store "$store" >/dev/null 2>&1
  runc delete -f "bench-$$" >/dev/null 2>&1
  [ -n "${podman_conf:-}" ] && CONTAINERS_CONF="$d/containers.conf" CONTAINERS_STORAGE_CONF="$d/storage.conf" podman system reset -f >/dev/null 2>&1
  for m in $(awk -v d="$d" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  rm -rf "$d"
}
trap cleanup EXIT
java -cp "$jar" io.strata.testimages.Main "$d/images" >/dev/null
img="$d/images/three-layers-gzip.docker.tar"
strata image import "$img" --name bench:1 --store "$store" >/dev/null
# runc: a bundle whose rootfs is the image's merged tree (read through Strata once, copied)
mkdir -p "$d/bundle/rootfs" "$d/view"
strata image mount bench:1 "$d/view" --store "$store" >/dev/null
cp -a "$d/view/." "$d/bundle/rootfs/"
umount "$d/view"
(cd "$d/bundle" && runc spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"\/bin\/true"/' config.json)
has_podman=0
if command -v podman >/dev/null; then
  has_podman=1; podman_conf=1
  printf '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n' > "$d/containers.conf"
  printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/podman/root"\nrunroot = "%s/podman/run"\n' "$d" "$d" > "$d/storage.conf"
  CONTAINERS_CONF="$d/containers.conf" CONTAINERS_STORAGE_CONF="$d/storage.conf" podman load -q -i "$img" >/dev/null
fi
pod() { CONTAINERS_CONF="$d/containers.conf" CONTAINERS_STORAGE_CONF="$d/storage.conf" podman "$@"; }
tck=$(getconf CLK_TCK)
daemon_ticks() { # utime+stime of the store's daemon
  local pid; pid=$(pgrep -f -- "daemon --store $store" | head -1)
  [ -n "$pid" ] && awk '{print $14 + $15}' "/proc/$pid/stat" || echo 0
}
# wall ms, then CPU ms of the command and what it waited for, then the daemon's CPU ms
ms() {
  local t0 t1 d0 d1; d0=$(daemon_ticks); t0=$(date +%s%N)
  /usr/bin/time -f '%U %S' -o "$d/cpu" "$@" >/dev/null
  t1=$(date +%s%N); d1=$(daemon_ticks)
  echo "$(( (t1 - t0) / 1000000 )) $(awk '{printf "%d", ($1 + $2) * 1000}' "$d/cpu") $(( (d1 - d0) * 1000 / tck ))"
}
one() {
  case $1 in
    strata) ms "$here/strata" run --rm --store "$store" bench:1 /bin/true ;;
    strata-jvm) ms env STRATA_CLIENT=off "$here/strata" run --rm --store "$store" bench:1 /bin/true ;;
    runc) ms runc run -b "$d/bundle" "bench-$$" ;;
    podman) ms env CONTAINERS_CONF="$d/containers.conf" CONTAINERS_STORAGE_CONF="$d/storage.conf" podman run --rm --net none strata-test/three-layers:1 /bin/true ;;
  esac
}
if [ -n "${KINDS:-}" ]; then read -ra kinds <<<"$KINDS"; else kinds=(strata strata-jvm runc); [ $has_podman = 1 ] && kinds+=(podman); fi
for k in "${kinds[@]}"; do one "$k" >/dev/null; done   # warm-up (the daemon starts here)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A wall cpu dcpu
for i in $(seq "$rounds"); do
  line="round $i:"
  for k in "${kinds[@]}"; do
    read -r w c dc < <(one "$k")
    wall[$k]+=" $w"; cpu[$k]+=" $c"; dcpu[$k]+=" $dc"; line+=" $k ${w} ms (cpu ${c}+${dc})"
  done
  echo "$line"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' $@ | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
range() { printf '%s\n' $@ | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "-" hi}'; }
for k in "${kinds[@]}"; do
  echo "median $k: $(med ${wall[$k]}) ms (range $(range ${wall[$k]})), cpu $(med ${cpu[$k]}) ms, daemon cpu $(med ${dcpu[$k]}) ms"
done
