#!/usr/bin/env bash
# benchmarks/store-profile.sh JAR OUTDIR [jfr]: untar 20k files and rm -rf a 10k lower tree through a block-store container mount.
# Fixtures are kept in $STORE_PROFILE_DIR (default /var/tmp/strata-store-profile) between runs: remove it when done.
# Env: PERF=1 (perf record -g of the daemon during the untar), THREADS=1 (CPU per daemon thread), WRITE_MIB=256,
#   SEQ_MIB=1024: after the profile (and its peak RSS), dd SEQ_MIB + fsync into the block layer, then into the upper
#   of an overlay-format mount (`strata mount -o lowerdir=…,upperdir=…,workdir=…`): CPU of each one's server
#   (PERF=1 and THREADS=1 cover this write too).
#   The daemon's JVM takes $STRATA_DAEMON_JVM_OPTS (appended to its flags), $MALLOC_ARENA_MAX (default 2), $LD_PRELOAD
#   (default jemalloc when installed; empty: glibc) and $MALLOC_CONF (default StoreCommands.DAEMON_JEMALLOC_CONF).
set -euo pipefail
jar=$1; out=$2; jfr=${3:-}
F=${STORE_PROFILE_DIR:-/var/tmp/strata-store-profile}
S=$F/run; rm -rf $S; mkdir -p $S/lower/rmtree $S/mnt $out
# fixtures (cached)
if [ ! -f $F/untar.tar ]; then
  src=$F/src; mkdir -p $src
  for d in $(seq -f %03g 0 199); do mkdir -p $src/u$d; for f in $(seq -f %03g 0 99); do head -c 4096 /dev/urandom > $src/u$d/f$f; done; done
  tar -cf $F/untar.tar -C $src .; rm -rf $src
fi
if [ ! -d $F/rmtree ]; then
  for d in $(seq -f %03g 0 99); do mkdir -p $F/rmtree/r$d; for f in $(seq -f %02g 0 98); do head -c 1024 /dev/urandom > $F/rmtree/r$d/f$f; done; done
fi
cp -a $F/rmtree $S/lower/
st="--store=$S/store"
J="java ${CLIJVM:-} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $jar"
$J create --name c --lowerdir $S/lower $st >/dev/null
$J mount c $S/mnt $st
trap '$J umount $S/mnt >/dev/null 2>&1 || umount -l $S/mnt; mountpoint -q $S/omnt 2>/dev/null && { $J umount $S/omnt >/dev/null 2>&1 || umount -l $S/omnt; }; $J daemon stop $st >/dev/null 2>&1; rm -rf $S' EXIT
pid=$(pgrep -f "daemon --store $S/store" | head -1)
cpu() { awk '{print $14+$15}' /proc/${1:-$pid}/stat; }
mkdir $S/mnt/untar
[ -n "$jfr" ] && jcmd $pid JFR.start name=p settings=profile filename=$out/untar.jfr >/dev/null
[ -n "${PERF:-}" ] && { perf record -F 499 -g -p $pid -o $out/untar.perf >/dev/null 2>&1 & perfpid=$!; sleep 0.5; }
c0=$(cpu); t0=$(date +%s.%N)
tar -xf $F/untar.tar -C $S/mnt/untar
t1=$(date +%s.%N); c1=$(cpu)
[ -n "$jfr" ] && jcmd $pid JFR.stop name=p >/dev/null
[ -n "${PERF:-}" ] && { kill -INT $perfpid; wait $perfpid || true; }
echo "untar: $(echo "$t1-$t0"|bc) s wall, $(( (c1-c0) )) ticks daemon cpu"
[ -n "${THREADS:-}" ] && for t in /proc/$pid/task/*; do echo "$(awk '{print $14, $15}' $t/stat) $(cat $t/comm)"; done | sort -k1 -n -r | head -12
[ -n "$jfr" ] && jcmd $pid JFR.start name=q settings=profile filename=$out/rm.jfr >/dev/null
c0=$(cpu); t0=$(date +%s.%N)
rm -rf $S/mnt/rmtree
t1=$(date +%s.%N); c1=$(cpu)
[ -n "$jfr" ] && jcmd $pid JFR.stop name=q >/dev/null
echo "rm-rf: $(echo "$t1-$t0"|bc) s wall, $(( (c1-c0) )) ticks daemon cpu"
c0=$(cpu); t0=$(date +%s.%N)
dd if=/dev/zero of=$S/mnt/big bs=1M count=${WRITE_MIB:-256} conv=fsync status=none
t1=$(date +%s.%N); c1=$(cpu)
echo "write ${WRITE_MIB:-256} MiB+fsync: $(echo "$t1-$t0"|bc) s wall, $(( (c1-c0) )) ticks daemon cpu"
echo "rss: $(awk '/VmHWM/{print $2}' /proc/$pid/status) kB peak"
[ -n "${SEQ_MIB:-}" ] || exit 0
[ -n "${PERF:-}" ] && { perf record -F 499 -g -p $pid -o $out/seq.perf >/dev/null 2>&1 & perfpid=$!; sleep 0.5; }
c0=$(cpu); t0=$(date +%s.%N)
dd if=/dev/zero of=$S/mnt/seq bs=1M count=$SEQ_MIB conv=fsync status=none
t1=$(date +%s.%N); c1=$(cpu)
[ -n "${PERF:-}" ] && { kill -INT $perfpid; wait $perfpid || true; }
[ -n "${THREADS:-}" ] && for t in /proc/$pid/task/*; do echo "$(awk '{print $14, $15}' $t/stat) $(cat $t/comm)"; done | sort -k1 -n -r | head -12
echo "seq-block $SEQ_MIB MiB+fsync: $(echo "$t1-$t0"|bc) s wall, $(( (c1-c0) )) ticks daemon cpu"
rm -f $S/mnt/seq
mkdir -p $S/olower $S/oupper $S/owork $S/omnt
$J mount -o lowerdir=$S/olower,upperdir=$S/oupper,workdir=$S/owork $S/omnt
opid=$(pgrep -f "java.* mount .*$S/omnt" | head -1)
c0=$(cpu $opid); t0=$(date +%s.%N)
dd if=/dev/zero of=$S/omnt/seq bs=1M count=$SEQ_MIB conv=fsync status=none
t1=$(date +%s.%N); c1=$(cpu $opid)
echo "seq-upper $SEQ_MIB MiB+fsync: $(echo "$t1-$t0"|bc) s wall, $(( (c1-c0) )) ticks server cpu"
$J umount $S/omnt
