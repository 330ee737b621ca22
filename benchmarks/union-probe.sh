#!/usr/bin/env bash
# One union, one workload, for looking inside (benchmarks/RESULTS-union-perf.md); run.sh is for comparisons.
#   benchmarks/union-probe.sh KIND WORKLOAD [N]   KIND: overlayfs|fuse-overlayfs|strata   WORKLOAD: untar|rmrf
# untar: N files of 4 KiB in dirs of 100 extracted into a new directory; rmrf: rm -rf of a lower tree of N entries.
# Prints the wall time and the server's CPU ticks (utime+stime, 1/100 s). As root; scratch in $SCRATCH
# (default /var/tmp/union-probe, fixtures kept for reuse: delete it when done).
# env: TRACE=strace (strace -c -f of the server into $SCRATCH/strace-KIND-WORKLOAD.txt) | perf (perf record -g),
#      STRATA_JVM_OPTS (e.g. -Dstrata.fuse.ll.requestCounts=FILE), JAR (the Strata CLI jar), KEEP=1 (stay mounted)
set -euo pipefail
kind=$1 wl=$2 n=${3:-2000}
S=${SCRATCH:-/var/tmp/union-probe}
JAR=${JAR:-$(cd "$(dirname "$0")/.." && pwd)/launcher/target/strata.jar}
mkdir -p $S
# fixtures
if [ ! -f $S/untar-$n.tar ]; then
  rm -rf $S/src && mkdir -p $S/src
  for d in $(seq -f %03g 0 $((n/100-1))); do mkdir $S/src/u$d; for f in $(seq -f %03g 0 99); do head -c 4096 /dev/urandom > $S/src/u$d/f$f; done; done
  tar -cf $S/untar-$n.tar -C $S/src . && rm -rf $S/src
fi
if [ ! -d $S/lower-$n ]; then
  mkdir -p $S/lower-$n/rmtree
  for d in $(seq -f %03g 0 $((n/100-1))); do mkdir $S/lower-$n/rmtree/r$d; for f in $(seq -f %02g 0 98); do head -c 1024 /dev/urandom > $S/lower-$n/rmtree/r$d/f$f; done; done
fi
R=$S/run-$kind; rm -rf $R; mkdir -p $R/u $R/w $R/m
cp -a $S/lower-$n $R/l
# unmount and remove the run's directories however the script ends (unless KEEP)
cleanup() { [ -n "${KEEP:-}" ] && return; umount $R/m 2>/dev/null || true; sleep 0.5; rm -rf --one-file-system $R; }
trap cleanup EXIT
case $kind in
  overlayfs) mount -t overlay overlay -o lowerdir=$R/l,upperdir=$R/u,workdir=$R/w,redirect_dir=on,metacopy=on $R/m ;;
  fuse-overlayfs) fuse-overlayfs -o lowerdir=$R/l,upperdir=$R/u,workdir=$R/w $R/m ;;
  strata) java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -jar $JAR mount -o lowerdir=$R/l,upperdir=$R/u,workdir=$R/w${SOPTS:+,$SOPTS} $R/m ;;
esac
pid=""
if [ $kind = strata ]; then pid=$(pgrep -f -- "-f .*$R/m" | head -1 || true); [ -n "$pid" ] || pid=$(pgrep -f "$R/m" | grep -v $$ | head -1); fi
if [ $kind = fuse-overlayfs ]; then pid=$(pgrep -f "fuse-overlayfs.*$R/m" | head -1); fi
cpu() { [ -n "$pid" ] && awk '{print $14+$15}' /proc/$pid/stat || echo 0; }
sync
# ext4 without a journal (this machine's /) skips inodes freed in the last 5-10 s when it allocates one (recently_deleted),
# a scan that cost half the server's CPU of an untar right after the previous run's tree was deleted: let them age
sleep ${SETTLE:-11}
if [ $wl = untar ]; then mkdir $R/m/untar; cmd="tar -xf $S/untar-$n.tar -C $R/m/untar"; else cmd="rm -rf $R/m/rmtree"; fi
# warm the path
ls $R/m >/dev/null
tr=""
case ${TRACE:-none} in
  strace) strace -f -c -o $S/strace-$kind-$wl.txt -p $pid & tr=$!; sleep 1.5 ;;
  perf) perf record -g -o $S/perf-$kind-$wl.data -p $pid 2>/dev/null & tr=$!; sleep 1.5 ;;
esac
c0=$(cpu); t0=$(date +%s.%N)
$cmd
t1=$(date +%s.%N); c1=$(cpu)
[ -n "$tr" ] && { kill -INT $tr; wait $tr || true; }
echo "$kind $wl n=$n time=$(echo "$t1 - $t0" | bc) servercpu_ticks=$((c1-c0))"
if [ -n "${KEEP:-}" ]; then echo "kept mounted at $R/m pid $pid"; fi
