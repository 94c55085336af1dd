#!/usr/bin/env bash
# Builds tooling/corpus/wasm/sqlite3.wasm: the SQLite 3.40.1 command-line shell
# from Debian bookworm's source package, compiled for wasm32-wasi.
#
# Needs: deb-src enabled in /etc/apt/sources.list.d/debian.sources (add deb-src to
# the Types: line, then apt-get update), tclsh and a host C compiler (to generate
# the amalgamation and shell.c), and the wasm32-wasi toolchain
# (tooling/scripts/install-toolchain.sh).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="$root/tooling/corpus/.src/sqlite3"
output="$root/tooling/corpus/wasm/sqlite3.wasm"

debian_version="3.40.1-2+deb12u2"
upstream_version="3.40.1"
# sha256 of each file, as listed in the .dsc of $debian_version.
declare -A sha256=(
  ["sqlite3_${upstream_version}.orig.tar.xz"]="aaa776260ab4dc976db34aa7891819484c8676b5b2783123ebc6301e2ca5d655"
  ["sqlite3_${debian_version}.debian.tar.xz"]="0843bc12e4364076477935ce313a6d0796fd899a989ff18ebb6545540e10e4ca"
)
# Debian's upstream bug and security fixes; its packaging patches (lemon paths,
# dynamic linking, cross-build tweaks) do not apply to a static wasm build.
patches=(
  0001-Fix-a-buffer-overread-in-the-sessions-extension-that.patch
  0002-Avoid-a-stack-overflow-that-could-be-caused-by-a-rec.patch
  0003-Fix-a-technically-undefined-signed-integer-overflow-.patch
  41-fix_a_bug_in_the_NOT_NULL-IS_NULL_optimization.patch
  42-CVE-2025-6965.patch
)

mkdir -p "$cache"
cd "$cache"
for file in "${!sha256[@]}"; do
  if [ ! -f "$file" ]; then
    apt-get source --download-only "sqlite3=$debian_version" || {
      echo "could not download the sqlite3 $debian_version source package: enable deb-src in /etc/apt/sources.list.d/debian.sources and run apt-get update" >&2
      exit 1
    }
    break
  fi
done
for file in "${!sha256[@]}"; do
  echo "${sha256[$file]}  $file" | sha256sum --check --quiet -
done

rm -rf work && mkdir work && cd work
tar xJf "../sqlite3_${upstream_version}.orig.tar.xz"
tar xJf "../sqlite3_${debian_version}.debian.tar.xz"
cd "sqlite3-${upstream_version}"
for patch in "${patches[@]}"; do
  patch --quiet -p1 < "../debian/patches/$patch"
done

# The amalgamation and shell.c are generated on the host (lemon, mkkeywordhash, tclsh).
mkdir -p host && cd host
../configure --disable-tcl --disable-readline --disable-load-extension > configure.log
make -j2 sqlite3.c shell.c > make.log

# WASI has no fcntl() locks, threads, dlopen, mmap of files, popen or system():
# build without them, keep temporary tables in memory (only preopened directories
# exist), and make the lock-free "unix-none" VFS the default. include/ supplies
# the few POSIX declarations SQLite expects (pwd.h, fchmod, F_*LK); wasi-compat.c
# their no-op definitions.
flags=(
  --target=wasm32-wasi -O2 -Wl,--strip-debug -Wl,-z,stack-size=1048576
  -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_GETPID -D_WASI_EMULATED_PROCESS_CLOCKS
  -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL
  -DSQLITE_MAX_MMAP_SIZE=0 -DSQLITE_TEMP_STORE=3 -DSQLITE_OMIT_POPEN -DSQLITE_NOHAVE_SYSTEM
  -DSQLITE_DEFAULT_MEMSTATUS=0 '-DSQLITE_DEFAULT_UNIX_VFS="unix-none"'
  -DHAVE_READLINE=0 -DHAVE_EDITLINE=0
  -I"$here/include" -include wasi-compat.h -I.
)
clang "${flags[@]}" sqlite3.c shell.c "$here/wasi-compat.c" \
  -lwasi-emulated-signal -lwasi-emulated-getpid -lwasi-emulated-process-clocks \
  -o sqlite3.wasm
mkdir -p "$(dirname "$output")"
cp sqlite3.wasm "$output"
echo "wrote $output ($(stat -c %s "$output") bytes, sha256 $(sha256sum "$output" | cut -d' ' -f1))"
