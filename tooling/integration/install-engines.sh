#!/bin/bash
# install-engines.sh: install Debian's containerd, runc, Docker and jq for the integration tests
# when they are missing. Exits 0 when the engines are there afterwards; otherwise says why not
# and exits 1, and the tests then skip with that reason. Used by .ci/run; needs root and apt.
set -u
missing=()
for executable in containerd ctr containerd-shim-runc-v2 runc dockerd jq; do
  command -v "$executable" > /dev/null || missing+=("$executable")
done
# The Debian client, which matches the Debian dockerd (another docker may come first on PATH).
[ -x /usr/bin/docker ] || missing+=(docker)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-engines: missing ${missing[*]}"
[ "$(id -u)" = 0 ] || { echo "install-engines: not root, cannot install"; exit 1; }
command -v apt-get > /dev/null || { echo "install-engines: no apt-get, cannot install"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends containerd runc docker.io jq; } > /tmp/install-engines.log 2>&1; then
  echo "install-engines: apt-get failed:"
  tail -n 20 /tmp/install-engines.log
  exit 1
fi
echo "install-engines: installed $(containerd --version | cut -d' ' -f3), $(/usr/bin/docker --version)"
