#!/usr/bin/env bash
# A private Docker daemon for the worker's tests and benchmarks (Debian docker.io, see docs/toolchain.md):
# unix socket /tmp/neural-docker/docker.sock, no bridge, no iptables, overlay2. Idempotent: a daemon already
# answering on the socket is reused. Tests find it through $NEURAL_DOCKER_HOST or that default path.
set -euo pipefail

DIR=${NEURAL_DOCKER_DIR:-/tmp/neural-docker}
SOCK=$DIR/docker.sock
DOCKER=/usr/bin/docker # another docker client may come first on PATH

if [ ! -x /usr/sbin/dockerd ] || [ ! -x "$DOCKER" ]; then
  echo "docker.sh: dockerd is not installed (apt-get install docker.io)" >&2
  exit 1
fi
ready() { "$DOCKER" -H "unix://$SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! ready; then
  if [ "$(id -u)" != 0 ]; then
    echo "docker.sh: starting dockerd needs root (or start one yourself and set NEURAL_DOCKER_HOST)" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  # a stale daemon of ours that no longer answers: stop it by its pid file
  if [ -s "$DIR/dockerd.pid" ] && kill -0 "$(cat "$DIR/dockerd.pid")" 2>/dev/null; then
    kill "$(cat "$DIR/dockerd.pid")" || true
    sleep 2
  fi
  rm -f "$SOCK" "$DIR/dockerd.pid"
  nohup /usr/sbin/dockerd --storage-driver=overlay2 --iptables=false --ip6tables=false --bridge=none \
    --host="unix://$SOCK" --data-root="$DIR/data" --exec-root="$DIR/exec" --pidfile="$DIR/dockerd.pid" \
    >"$DIR/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do ready && break; sleep 1; done
fi
ready || { echo "docker.sh: dockerd did not come up on $SOCK (see $DIR/dockerd.log)" >&2; exit 1; }
echo "docker ready: $("$DOCKER" -H "unix://$SOCK" version --format 'server {{.Server.Version}}') on unix://$SOCK"
