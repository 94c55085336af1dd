#!/usr/bin/env bash
# Every test of the repository, as the README's test command and .ci/run run it.
# The integration suites drive real containerd and Docker daemons: install Debian's engines
# where the machine allows (root + apt); once they are there, those suites must run, not skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
if tooling/integration/install-engines.sh; then export STASIS_INTEGRATION=require; fi
pnpm test
