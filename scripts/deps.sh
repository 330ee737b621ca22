# Installs what Strata needs on a Debian machine (run as root), once: sourced by ./strata and ./test.sh.
# need_deps runtime|build|test

_missing=()
_want() { # _want PACKAGE TEST-COMMAND...
  local pkg=$1; shift
  "$@" >/dev/null 2>&1 || _missing+=("$pkg")
}

need_deps() {
  _missing=()
  _want openjdk-17-jdk-headless command -v java
  _want libfuse2 sh -c 'ldconfig -p | grep -q "libfuse.so.2 "'
  _want fuse3 command -v fusermount3
  _want util-linux command -v setsid
  _want busybox-static test -x /bin/busybox     # the bundled OCI test images (./strata demo, tests) are built from it
  _want libjemalloc2 sh -c 'ldconfig -p | grep -q "libjemalloc.so.2 "'   # the store daemon's malloc (RSS)
  if [ "$1" = build ] || [ "$1" = test ]; then
    _want maven command -v mvn
    _want openjdk-17-jdk-headless command -v javac
    _want gcc command -v gcc                    # launcher/src/main/c: strata-nsexec, linked statically
    _want libc6-dev sh -c 'gcc -print-file-name=libc.a | grep -q /'
  fi
  if [ "$1" = test ]; then
    _want attr command -v getfattr
    _want fuse-overlayfs command -v fuse-overlayfs
    _want kmod command -v modprobe
    _want skopeo command -v skopeo              # external readers of what `strata image export` writes
    _want umoci command -v umoci
    _want runc command -v runc                  # the differential test of strata-nsexec runs the same bundle under runc
    _want containerd command -v ctr             # strata snapshotter: a private containerd with it as proxy snapshotter
    _want podman command -v podman             # runs real containers on bin/strata-overlay (mount_program)
  fi
  if [ ${#_missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "strata: missing packages (${_missing[*]}); run as root or install them" >&2
      return 1
    fi
    echo "strata: installing ${_missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq "${_missing[@]}" >&2
  fi
  [ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
}
