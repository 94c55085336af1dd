#!/usr/bin/env bash
# Installs the pinned toolchain that builds the C guest fixtures
# (tooling/scripts/build-fixtures.mjs) on Debian 12 (bookworm): clang 14 with
# lld, wasi-libc and the wasm32 compiler-rt builtins. The corpus build scripts
# (tooling/corpus/*/build.sh) also need tclsh and deb-src entries; pass --corpus.
set -euo pipefail

packages=(clang lld wasi-libc libclang-rt-14-dev-wasm32)
if [ "${1:-}" = "--corpus" ]; then
  packages+=(tcl make xz-utils patch)
  sources=/etc/apt/sources.list.d/debian.sources
  if [ -f "$sources" ] && ! grep -q '^Types:.*deb-src' "$sources"; then
    sed -i 's/^Types: deb$/Types: deb deb-src/' "$sources"
  fi
fi

sudo=""
if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${packages[@]}"
