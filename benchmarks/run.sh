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
#   benchmarks/run.sh --store-targets      the block store's targets of issue #4: snapshot create/restore with 0 / 8 MiB /
#                                          1 GiB changed, random reads of a partly rewritten file vs the overlay upper;
#                                          the snapshot steps also on a fresh btrfs (the kernel's CoW peer, same run)
#   benchmarks/run.sh --fresh-fs ...       scratch on a new journaled ext4 (a loop device, direct I/O) made for the run
#   benchmarks/run.sh --help               every option
# --fresh-fs[=GIB] (default 64, a sparse image: a full five-column run at 1 GiB writes ~55 GiB into it): this
# machine's / is ext4 without a journal, which when it allocates an inode skips those
# freed in the last 5-10 s one by one (ext4 recently_deleted): up to half of a create-heavy step's CPU right after
# another tree was deleted, on whichever column comes next. A fresh journaled ext4, as a Debian install has, does not.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
. "$here/scripts/deps.sh"

if [ "$(id -u)" != 0 ]; then echo "benchmarks/run.sh: run as root (mount, drop_caches)" >&2; exit 2; fi
need_deps test   # the test set includes fuse-overlayfs

build=1 keep=0 scratch_given=0 fresh_fs=0 help=0 store_targets=0 args=()
for a in "$@"; do
  case "$a" in
    --store-targets) store_targets=1; args+=("$a") ;;
    --fresh-fs) fresh_fs=64 ;;
    --fresh-fs=*) fresh_fs="${a#--fresh-fs=}" ;;
    --no-build) build=0 ;;
    --help|-h) help=1; args+=("$a") ;;
    --keep-scratch) keep=1; args+=("$a") ;;
    --scratch) scratch_given=1; args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done

bench_jar="$here/benchmarks/target/strata-benchmarks-0.1.0-SNAPSHOT-side-by-side.jar"
[ $help = 1 ] && [ -f "$bench_jar" ] && build=0   # the options are the harness' own: no build to print them
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

scratch="" fs_image="" fs_dir="" fs_loop="" peer_image="" peer_dir="" peer_loop=""
# Last resort if the JVM is killed outright (it cleans up by itself on normal exit and Ctrl-C): detach whatever is
# still mounted below the scratch directory, stop the servers this run started (their argv names the directory).
cleanup_scratch() {
  [ -n "$scratch" ] && [ -d "$scratch" ] || return 0
  awk -v p="$scratch/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    echo "bench: detaching leftover mount $m" >&2; umount -l "$m" || true
  done
  for d in /proc/[0-9]*; do
    if { tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null | grep -qF "$scratch/"; then
      pid="${d#/proc/}"; [ "$pid" != $$ ] || continue
      echo "bench: stopping leftover server $pid" >&2; kill "$pid" 2>/dev/null || true
    fi
  done
  if [ $keep = 0 ] && ! awk -v p="$scratch/" 'index($5, p) == 1 {f=1} END {exit !f}' /proc/self/mountinfo; then
    rm -rf --one-file-system "$scratch"
  fi
}
cleanup() {
  rm -f "$run_jar" "${run_jar%.jar}.btrfs-peer"
  cleanup_scratch
  if [ -n "$fs_loop" ]; then # the fresh file system goes whatever is left on it
    umount "$fs_dir" 2>/dev/null || umount -l "$fs_dir" || true
    losetup -d "$fs_loop" 2>/dev/null || true
    rmdir "$fs_dir" 2>/dev/null || true
    rm -f "$fs_image"
  fi
  if [ -n "$peer_loop" ]; then
    umount "$peer_dir" 2>/dev/null || umount -l "$peer_dir" || true
    losetup -d "$peer_loop" 2>/dev/null || true
    rmdir "$peer_dir" 2>/dev/null || true
    rm -f "$peer_image"
  fi
}
trap cleanup EXIT
if [ $fresh_fs != 0 ]; then
  [ $scratch_given = 0 ] || { echo "bench: --fresh-fs and --scratch exclude each other" >&2; exit 2; }
  fs_dir="$(mktemp -d /var/tmp/strata-bench-fs.XXXXXX)"
  fs_image="$fs_dir.img"
  truncate -s "${fresh_fs}G" "$fs_image"
  mkfs.ext4 -q -F "$fs_image"
  fs_loop="$(losetup -f --show --direct-io=on "$fs_image")"
  mount "$fs_loop" "$fs_dir"
  echo "bench: scratch on a fresh journaled ext4 ($fs_loop, ${fresh_fs} GiB sparse image $fs_image, direct I/O)" >&2
  scratch="$fs_dir/scratch"; mkdir "$scratch"
  args+=(--scratch "$scratch")
elif [ $scratch_given = 0 ]; then
  scratch="$(mktemp -d /var/tmp/strata-bench.XXXXXX)"
  args+=(--scratch "$scratch")
fi

# --store-targets: the snapshot steps' peer, btrfs, on a loop device of its own made the same way (skipped, and said
# in the report, when the kernel has no btrfs)
if [ $store_targets = 1 ] && [ $help = 0 ] && { grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null; }; then
  command -v mkfs.btrfs >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq btrfs-progs >&2 || true; }
  peer_tool="${run_jar%.jar}.btrfs-peer"
  if command -v mkfs.btrfs >/dev/null && gcc -O2 -o "$peer_tool" "$here/benchmarks/src/main/c/btrfs-peer.c"; then
    peer_dir="$(mktemp -d /var/tmp/strata-bench-btrfs.XXXXXX)"
    peer_image="$peer_dir.img"
    truncate -s 16G "$peer_image"
    mkfs.btrfs -q -f "$peer_image" >/dev/null
    peer_loop="$(losetup -f --show --direct-io=on "$peer_image")"
    mount "$peer_loop" "$peer_dir"
    echo "bench: btrfs peer on $peer_loop (16 GiB sparse image $peer_image, direct I/O)" >&2
    args+=(--btrfs-peer "$peer_dir" "$peer_tool")
  fi
fi

cd "$here"
java -Xmx1g -XX:+UseSerialGC -Dstrata.home="$here" -jar "$run_jar" "${args[@]}"
