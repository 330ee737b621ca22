#!/usr/bin/env bash
# `ctr run --rm IMAGE /bin/true` with the Strata snapshotter vs containerd's built-in overlayfs snapshotter, in one
# private containerd (its own root/state/sockets under a temp dir), rounds interleaved; prints each time and medians.
# As root, after `mvn -pl launcher -am package` (uses launcher/target/strata.jar via bin/strata-overlay).
#   benchmarks/containerd-run.sh [ROUNDS] [served|program]   (default 7, served: the snapshotter's own JVM serves the
#   unions and containerd bind-mounts them; program: containerd mounts fuse3.strata-overlay through mount.fuse3)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
rounds=${1:-7}
mode=${2:-served}
jar="$here/launcher/target/strata.jar"
[ -f "$jar" ] || { echo "build first: mvn -pl launcher -am package" >&2; exit 1; }
d=$(mktemp -d /tmp/strata-ctrd-bench-XXXXXX)
prog=strata-overlay-bench-$$
ln -s "$here/bin/strata-overlay" "/usr/local/sbin/$prog"   # mount.fuse3 runs $prog through sh: on sh's default PATH
cleanup() {
  set +e
  [ -n "${ctrd_pid:-}" ] && kill "$ctrd_pid" && wait "$ctrd_pid"
  [ -n "${snap_pid:-}" ] && kill "$snap_pid" && wait "$snap_pid"
  for m in $(awk -v d="$d" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do umount -l "$m"; done
  rm -f "/usr/local/sbin/$prog"
  rm -rf "$d"
}
trap cleanup EXIT
cat > "$d/config.toml" <<CONF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[proxy_plugins.strata]
  type = "snapshot"
  address = "$d/strata.sock"
CONF
mp=(); [ "$mode" = program ] && mp=(--mount-program "$prog")
java -XX:+UseSerialGC -Xmx128m -jar "$jar" snapshotter --address "$d/strata.sock" --root "$d/strata" "${mp[@]}" \
  >"$d/snapshotter.log" 2>&1 & snap_pid=$!
containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 & ctrd_pid=$!
ctr() { command ctr -a "$d/containerd.sock" "$@"; }
for _ in $(seq 100); do [ -S "$d/strata.sock" ] && ctr version >/dev/null 2>&1 && break; sleep 0.1; done
java -cp "$jar" io.strata.testimages.Main "$d/images" >/dev/null
img=docker.io/strata-test/three-layers:1
ctr images import --snapshotter strata "$d/images/three-layers-gzip.docker.tar" >/dev/null
ctr images import --snapshotter overlayfs "$d/images/three-layers-gzip.docker.tar" >/dev/null
ms() { local t0 t1; t0=$(date +%s%N); ctr run --rm --snapshotter "$1" "$img" "bench-$1-$2" /bin/true; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
ms overlayfs warm >/dev/null; ms strata warm >/dev/null
echo "mode: $mode; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
s=(); o=()
for i in $(seq "$rounds"); do
  o+=("$(ms overlayfs "$i")"); s+=("$(ms strata "$i")")
  echo "round $i: overlayfs ${o[-1]} ms, strata ${s[-1]} ms"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mo=$(med "${o[@]}"); mst=$(med "${s[@]}")
echo "median: overlayfs $mo ms, strata $mst ms, ratio $(awk -v a="$mst" -v b="$mo" 'BEGIN {printf "%.1f", a / b}')"
