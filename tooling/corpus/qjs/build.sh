#!/usr/bin/env bash
# Builds tooling/corpus/wasm/qjs.wasm: the QuickJS 2021-03-27 interpreter (qjs,
# with its std and os modules) for wasm32-wasi.
#
# Debian bookworm has no quickjs source package; the unmodified release sources
# ship inside the npm tarball qjsc@0.3.0 (deps/quickjs_2021_03_27/), fetched with
# `npm pack` and checked against a pinned sha256. Needs npm, a host C compiler
# (to build the host qjsc that compiles the REPL to bytecode) and the wasm32-wasi
# toolchain (tooling/scripts/install-toolchain.sh).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="$root/tooling/corpus/.src/qjs"
output="$root/tooling/corpus/wasm/qjs.wasm"

tarball="qjsc-0.3.0.tgz"
tarball_sha256="4a9ed1852b334d842d5dac42d1782817ae26310b448de39532451fd45c9ba0ee"
quickjs_version="2021-03-27"

mkdir -p "$cache"
cd "$cache"
if [ ! -f "$tarball" ]; then
  npm pack --silent qjsc@0.3.0 > /dev/null
fi
echo "$tarball_sha256  $tarball" | sha256sum --check --quiet -

rm -rf work && mkdir work && cd work
tar xzf "../$tarball" package/deps/quickjs_2021_03_27
cd package/deps/quickjs_2021_03_27
[ "$(cat VERSION)" = "$quickjs_version" ]
patch --quiet -p0 < "$here/wasi.patch"

sources=(quickjs.c libregexp.c libunicode.c cutils.c quickjs-libc.c libbf.c)
defines=(-D_GNU_SOURCE "-DCONFIG_VERSION=\"$quickjs_version\"" -DCONFIG_BIGNUM)

# Host qjsc: compiles repl.js and qjscalc.js to bytecode. Bytecode refers to the
# predefined atoms by number, so the host build leaves out Atomics as the WASI
# build does (CONFIG_NO_ATOMICS, from wasi.patch).
cc -O2 "${defines[@]}" -DCONFIG_NO_ATOMICS -w qjsc.c "${sources[@]}" -lm -ldl -lpthread -o host-qjsc
./host-qjsc -c -o repl.c -m repl.js
./host-qjsc -fbignum -c -o qjscalc.c qjscalc.js

# A 1 MiB shadow stack: QuickJS stops JS recursion at 128 KiB of it (see the
# stack_size comment in wasi.patch); the rest is headroom for C code below it.
flags=(
  --target=wasm32-wasi -O2 -Wl,--strip-debug -Wl,-z,stack-size=1048576
  -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_GETPID
  -w
)
clang "${flags[@]}" "${defines[@]}" qjs.c repl.c qjscalc.c "${sources[@]}" \
  -lwasi-emulated-signal -lwasi-emulated-process-clocks -lwasi-emulated-getpid -lm \
  -o qjs.wasm
mkdir -p "$(dirname "$output")"
cp qjs.wasm "$output"
echo "wrote $output ($(stat -c %s "$output") bytes, sha256 $(sha256sum "$output" | cut -d' ' -f1))"
