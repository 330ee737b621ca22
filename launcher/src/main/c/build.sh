#!/bin/sh
# Builds strata-nsexec (called by the Maven build, phase compile): build.sh OUTPUT_FILE VERSION
# Static, so that the helper runs the same in any container and from /run/strata/bin without the host's libc.
set -eu
out=$1
version=$2
src=$(dirname "$0")
mkdir -p "$(dirname "$out")"
gcc -std=c11 -O2 -Wall -Wextra -Werror -static -DNX_VERSION="\"$version\"" -o "$out.tmp" "$src"/*.c
mv -f "$out.tmp" "$out"
