#!/usr/bin/env bash
# The whole test suite, as root on Debian: installs what the tests need (libfuse2, fuse3, libjemalloc2, attr, fuse-overlayfs,
# maven), then builds and runs every module's tests (real FUSE mounts, real kernel overlayfs as the oracle).
# Extra arguments go to Maven, e.g. ./test.sh -Dstrata.random.ops=20000   or   ./test.sh -pl fs-core
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
. "$here/scripts/deps.sh"
need_deps test
cd "$here"
status=0
mvn -B -ntp verify "$@" || status=$?
# Nothing a test mounted may outlive it.
leaks=$(awk '$9 ~ /^(fuse|overlay)/ || $9 ~ /^fuse\./ {print $5}' /proc/self/mountinfo | grep -E 'strata|junit' || true)
if [ -n "$leaks" ]; then
  echo "LEAKED MOUNTS after the tests:" >&2; echo "$leaks" >&2
  for m in $leaks; do umount -l "$m" 2>/dev/null || true; done
  status=1
fi
# Nor any cgroup a run or a test made (strata/ID under each hierarchy, the strata-test-* of the helper's tests).
cgroups=$(find /sys/fs/cgroup -maxdepth 2 -type d \( -name strata -o -name 'strata-test-*' \) 2>/dev/null || true)
if [ -n "$cgroups" ]; then
  echo "LEAKED CGROUPS after the tests:" >&2; echo "$cgroups" >&2
  for c in $cgroups; do find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
  status=1
fi
exit $status
