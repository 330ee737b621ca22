#!/usr/bin/env bash
# scripts/serve-mount.sh JAR mount [-o OPTS]... MOUNTPOINT — `strata mount` of a union with one JVM start: the serving
# JVM is started here, in its own session, and this returns once it says "ready" on a fifo (the mount is live), as
# bin/strata-overlay does; if the JVM exits instead, its exit status and messages are this command's. Used by ./strata
# and the benchmark harness. The serving JVM's flags are Daemon.JVM_FLAGS (chosen by measurement). Env:
# STRATA_SERVE_ARCHIVE, a class-data archive for it (./strata's); STRATA_JVM_OPTS, more flags after them (as for Daemon).
set -uo pipefail
jar=$1; shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/strata-mount.XXXXXX") || exit 1
mkfifo "$tmp/ready" || { rm -rf "$tmp"; exit 1; }
# shellcheck disable=SC2086
setsid java -Xms128m -Xmx1g -Xmn40m -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -XX:+ExitOnOutOfMemoryError -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -Xshare:auto \
    ${STRATA_SERVE_ARCHIVE:+-Xlog:cds*=off -XX:SharedArchiveFile=$STRATA_SERVE_ARCHIVE} ${STRATA_JVM_OPTS:-} -cp "$jar" io.strata.launcher.Main "$1" --ready-fd=3 "${@:2}" \
    3>"$tmp/ready" </dev/null >"$tmp/log" 2>&1 &
pid=$!
line=""
read -r line <"$tmp/ready" || true
if [ "$line" = ready ]; then
  rm -rf "$tmp"   # the server keeps its (now unlinked) log, as fuse-overlayfs' stderr goes nowhere
  exit 0
fi
rc=0
wait "$pid" || rc=$?
cat "$tmp/log" >&2
rm -rf "$tmp"
exit $(( rc == 0 ? 1 : rc ))
