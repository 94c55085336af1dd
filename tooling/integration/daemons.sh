#!/bin/bash
# daemons.sh start|stop|leftovers: a private containerd, and dockerd on top of it, for the
# integration tests of Stasis (apps/cli/test/integration) and for trying Stasis by hand.
#
# Adapted from the project's shared recipe (shared/recipes/containerd-docker/daemons.sh, by the
# Stasis maintainers), copied here so the repository is self-contained. Changes: the runtime is
# registered with `dockerd --add-runtime`; the daemons run in their own session and carry the
# marker STASIS_LAB=<lab> in their environment, which their shims and runtimes inherit, so
# `stop` can find and end every process of the lab by pid, even one a daemon lost track of;
# `stop` also unmounts what is left under the lab and removes the runtime state directories of
# the lab's namespaces; `leftovers` lists whatever is still there; an optional tracing wrapper.
#
# Install first (root, no systemd needed): apt-get install -y containerd runc docker.io jq
#
# Environment:
#   LAB                         the lab directory: every file, socket and mount lives under it
#   STASIS_RUNTIME              the runtime executable, registered with dockerd as "stasis"
#   NO_DOCKER=1                 start containerd only
#   STASIS_INTEGRATION_TRACE=1  register trace-runtime.sh in front of the runtime; every call
#                               the engines make is then logged to $LAB/runtime-calls.log
# `start` prints KEY=VALUE lines: CONTAINERD_ADDRESS, DOCKER_HOST (unless NO_DOCKER) and
# RUNTIME, the executable the engines call (give it to `ctr run --runc-binary`).
# `stop` leaves the lab directory in place (logs stay readable); remove it afterwards.
set -u
here=$(dirname "$(realpath "$0")")
if [ -z "${LAB:-}" ]; then echo "daemons.sh: set LAB to the lab directory" >&2; exit 2; fi
B=$(realpath -m "$LAB")
# Every path under the lab is the daemons' to remove and every process there theirs to end:
# refuse a lab that is a whole system directory.
case $B in /|/tmp|/run|/var|/var/*/|/home|/root|/usr|/usr/*) echo "daemons.sh: refusing LAB=$B" >&2; exit 2 ;; esac
# Out of the lab, so that neither this script nor its children count as the lab's processes.
cd / || exit 1
docker_client=/usr/bin/docker
[ -x "$docker_client" ] || docker_client=docker

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# stop_pid PID: SIGTERM, up to 10 s of grace, then SIGKILL.
stop_pid() {
  alive "$1" || return 0
  kill "$1"
  for _ in $(seq 50); do alive "$1" || return 0; sleep 0.2; done
  kill -9 "$1" 2>/dev/null
  for _ in $(seq 25); do alive "$1" || return 0; sleep 0.2; done
}

# lab_processes: pids of the lab's processes and all their descendants. A process belongs to
# the lab when its environment holds the marker, its working directory is under the lab (a
# runtime runs in its bundle), or its command line names the lab (a shim's -address).
lab_processes() {
  local marked=() pid cwd
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}
    pid=${pid%/environ}
    [ "$pid" = "$$" ] && continue
    cwd=$(readlink "/proc/$pid/cwd" 2> /dev/null)
    if [ "${cwd#"$B"/}" != "$cwd" ] ||
      { tr '\0' '\n' < "$environ"; } 2> /dev/null | grep -qxF "STASIS_LAB=$B" ||
      { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2> /dev/null | grep -qF -- "$B/"; then
      marked+=("$pid")
    fi
  done
  [ ${#marked[@]} -eq 0 ] && return 0
  ps -e -o pid=,ppid= | awk -v self="$$" -v roots="${marked[*]}" '
    BEGIN { count = split(roots, root, " "); for (i = 1; i <= count; i++) keep[root[i]] = 1 }
    { parent[$1] = $2 }
    END {
      for (changed = 1; changed;) {
        changed = 0
        for (pid in parent) if (!(pid in keep) && (parent[pid] in keep)) { keep[pid] = 1; changed = 1 }
      }
      for (pid in keep) if (pid != self && (pid in parent)) print pid
    }'
}

# lab_mounts: mount points under the lab, deepest first.
lab_mounts() {
  awk -v lab="$B" '{ point = $5; gsub(/\\040/, " ", point); if (point == lab || index(point, lab "/") == 1) print point }' \
    /proc/self/mountinfo | sort -r
}

case "${1:-}" in
start)
  mkdir -p "$B/root" "$B/state" "$B/docker" "$B/de"
  runtime=""
  mkdir -p "$B/tmp"
  # TMPDIR: containerd stages checkpoint images in a temporary directory; keep it in the lab.
  environment=(STASIS_LAB="$B" TMPDIR="$B/tmp")
  if [ -n "${STASIS_RUNTIME:-}" ]; then
    runtime=$(realpath "$STASIS_RUNTIME")
    if [ "${STASIS_INTEGRATION_TRACE:-}" = 1 ]; then
      environment+=(STASIS_TRACE_RUNTIME="$runtime" STASIS_TRACE_LOG="$B/runtime-calls.log")
      runtime="$here/trace-runtime.sh"
    fi
  fi
  cat > "$B/config.toml" <<T
version = 2
root = "$B/root"
state = "$B/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$B/containerd.sock"
[ttrpc]
  address = "$B/containerd.sock.ttrpc"
# Collect garbage after every deletion and mutation, not after 100 mutations: Docker 20.10
# uploads a checkpoint directory as a content blob on every 'start --checkpoint' and refuses
# ("commit failed: content sha256:...: already exists") while an unreferenced copy from an
# earlier upload is still in the store; with the defaults a small test store can keep it for
# minutes.
[plugins."io.containerd.gc.v1.scheduler"]
  deletion_threshold = 1
  mutation_threshold = 1
  schedule_delay = "0s"
T
  # Not a job-control shell, so the background child is no group leader and setsid does not
  # fork: $! is the daemon's own pid. Its own session keeps a Ctrl-C of the caller from killing
  # it behind the caller's back; `stop` ends it.
  env "${environment[@]}" setsid containerd --config "$B/config.toml" > "$B/containerd.log" 2>&1 < /dev/null &
  echo $! > "$B/containerd.pid"
  for _ in $(seq 50); do ctr -a "$B/containerd.sock" version > /dev/null 2>&1 && break; sleep 0.2; done
  ctr -a "$B/containerd.sock" version > /dev/null || { echo "containerd failed to start:"; tail "$B/containerd.log"; exit 1; }
  if [ -z "${NO_DOCKER:-}" ]; then
    jq -n --arg b "$B" '{
      "data-root": ($b+"/docker"), "exec-root": ($b+"/de"), "pidfile": ($b+"/dockerd.pid"),
      "hosts": ["unix://"+$b+"/docker.sock"], "containerd": ($b+"/containerd.sock"),
      "iptables": false, "ip-forward": false, "ip-masq": false, "bridge": "none",
      "experimental": true, "storage-driver": "overlay2" }' > "$B/docker-daemon.json"
    runtime_flags=()
    [ -n "$runtime" ] && runtime_flags=(--add-runtime "stasis=$runtime")
    env "${environment[@]}" setsid dockerd --config-file "$B/docker-daemon.json" "${runtime_flags[@]}" \
      > "$B/dockerd.log" 2>&1 < /dev/null &
    echo $! > "$B/dockerd.bgpid"
    for _ in $(seq 100); do "$docker_client" -H "unix://$B/docker.sock" version > /dev/null 2>&1 && break; sleep 0.2; done
    "$docker_client" -H "unix://$B/docker.sock" version > /dev/null || { echo "dockerd failed to start:"; tail "$B/dockerd.log"; exit 1; }
    echo "DOCKER_HOST=unix://$B/docker.sock"
  fi
  echo "CONTAINERD_ADDRESS=$B/containerd.sock"
  echo "RUNTIME=$runtime"
  ;;
stop)
  dockerd_pid=$(cat "$B/dockerd.bgpid" 2>/dev/null)
  if alive "$dockerd_pid"; then
    ids=$(timeout 20 "$docker_client" -H "unix://$B/docker.sock" ps -aq)
    # shellcheck disable=SC2086 # one argument per container id
    [ -n "$ids" ] && timeout 60 "$docker_client" -H "unix://$B/docker.sock" rm -f $ids > /dev/null
    stop_pid "$dockerd_pid"
  fi
  namespaces=""
  containerd_pid=$(cat "$B/containerd.pid" 2>/dev/null)
  if alive "$containerd_pid"; then
    C="timeout 20 ctr -a $B/containerd.sock"
    namespaces=$($C namespaces ls -q)
    for namespace in $namespaces; do
      for task in $($C -n "$namespace" tasks ls -q); do
        $C -n "$namespace" tasks kill -s 9 "$task" 2> /dev/null
        $C -n "$namespace" tasks rm -f "$task" > /dev/null 2>&1
      done
      for container in $($C -n "$namespace" containers ls -q); do $C -n "$namespace" containers rm "$container" > /dev/null 2>&1; done
    done
    stop_pid "$containerd_pid"
  fi
  # Whatever the daemons did not end (a stuck shim, a sandbox the runtime lost) ends here.
  pids=$(lab_processes)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086 # one argument per pid
    kill -9 $pids 2> /dev/null
    for _ in $(seq 25); do [ -z "$(lab_processes)" ] && break; sleep 0.2; done
  fi
  for point in $(lab_mounts); do umount "$point" 2> /dev/null || umount -l "$point"; done
  # The runc shim keeps runtime state under /run/containerd/runc/<namespace>, outside the lab.
  for namespace in $namespaces; do
    directory=/run/containerd/runc/$namespace
    [ -d "$directory" ] || continue
    # Only namespaces named for the lab are ours alone; another containerd may share the rest.
    case $namespace in
    stasis-*) rm -rf "$directory" ;;
    *) rmdir "$directory" 2> /dev/null ;;
    esac
  done
  rm -f "$B/containerd.pid" "$B/dockerd.bgpid"
  ;;
leftovers)
  for pid in $(lab_processes); do echo "process $pid: $({ tr '\0' ' ' < "/proc/$pid/cmdline"; } 2> /dev/null)"; done
  for point in $(lab_mounts); do echo "mount $point"; done
  ;;
*)
  echo "usage: $0 start|stop|leftovers   (env: LAB, STASIS_RUNTIME, NO_DOCKER, STASIS_INTEGRATION_TRACE)"
  exit 2
  ;;
esac
