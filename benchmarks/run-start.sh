#!/usr/bin/env bash
# `strata run --rm IMAGE /bin/true` end to end (the CLI as a user runs it, the store daemon already up), against
# `runc run` of a bundle with the same image's files and, where podman is installed, `podman run --rm` of the same
# image (vfs storage in a private root, runc, cgroupfs); rounds interleaved; prints each time and the medians.
# As root, after a build (uses launcher/target/strata.jar and the flags of ./strata).
#   benchmarks/run-start.sh [ROUNDS]      (default 9)
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
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
one() {
  case $1 in
    strata) ms strata run --rm --store "$store" bench:1 /bin/true ;;
    runc) ms runc run -b "$d/bundle" "bench-$$" ;;
    podman) ms pod run --rm --net none strata-test/three-layers:1 /bin/true ;;
  esac
}
kinds=(strata runc); [ $has_podman = 1 ] && kinds+=(podman)
for k in "${kinds[@]}"; do one "$k" >/dev/null; done   # warm-up (the daemon starts here)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A all
for i in $(seq "$rounds"); do
  line="round $i:"
  for k in "${kinds[@]}"; do t=$(one "$k"); all[$k]+=" $t"; line+=" $k $t ms"; done
  echo "$line"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { printf '%s\n' $@ | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for k in "${kinds[@]}"; do echo "median $k: $(med ${all[$k]}) ms"; done
