#!/usr/bin/env bash
# Smoke test of the container image, run by .ci/run (as root) after `make test`:
#   1. make sure a Docker daemon runs (start Debian's dockerd if needed);
#   2. build the image (on a stand-in base built from Debian packages when the official
#      python image cannot be pulled; see scripts/docker-base.sh);
#   3. run it on the host network and wait for its HEALTHCHECK to say healthy;
#   4. from outside: GET / (HTML), GET /healthz, one websocket step, non-root server;
#   5. clean up (container, and the daemon if this script started it).
# No daemon at all: prints "SKIPPED: <why>" and exits 0. Any failure after that: exit 1.
#
# Environment knobs: BACKPROP_BASE_IMAGE (force a base image), BACKPROP_SMOKE_PORT,
# BACKPROP_SMOKE_IMAGE (tag to build), BACKPROP_SMOKE_KEEP_DAEMON=1 (leave a daemon that
# this script started running, for repeated local runs).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"

IMAGE="${BACKPROP_SMOKE_IMAGE:-backprop-lab:smoke}"
SMOKE_LABEL="org.backprop-lab.smoke=1"
CONTAINER="backprop-lab-smoke-$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/backprop-lab-smoke.XXXXXX")"
DOCKERD_LOG="$WORK/dockerd.log"
DOCKERD_PID=""
CONTAINER_STARTED=0
T0=$SECONDS

log() { echo "docker-smoke [$((SECONDS - T0))s]: $*"; }
fail() {
    echo "docker-smoke: FAILED: $*" >&2
    exit 1
}
skip() {
    echo "SKIPPED: $*"
    exit 0
}

cleanup() {
    local rc=$?
    set +e
    if [ "$CONTAINER_STARTED" = 1 ]; then
        if [ "$rc" != 0 ]; then
            echo "--- container logs (last 60 lines) ---" >&2
            docker logs --tail 60 "$CONTAINER" >&2 2>&1
            echo "--- health log ---" >&2
            docker inspect --format '{{json .State.Health}}' "$CONTAINER" >&2 2>&1
        fi
        docker rm -f "$CONTAINER" >/dev/null 2>&1
    fi
    if [ -n "$DOCKERD_PID" ]; then
        # Old smoke images (untagged by newer builds) only waste disk: drop them.
        docker image prune -f --filter "label=$SMOKE_LABEL" >/dev/null 2>&1
        if [ "${BACKPROP_SMOKE_KEEP_DAEMON:-0}" = 1 ]; then
            log "leaving dockerd (pid $DOCKERD_PID) running"
        else
            log "stopping the dockerd this script started (pid $DOCKERD_PID)"
            kill "$DOCKERD_PID" 2>/dev/null
            for _ in $(seq 1 30); do
                kill -0 "$DOCKERD_PID" 2>/dev/null || break
                sleep 1
            done
            kill -9 "$DOCKERD_PID" 2>/dev/null
        fi
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. a Docker daemon ---------------------------------------------------------------
apt_install() {
    if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" \
        >"$WORK/apt.log" 2>&1; then
        apt-get -o DPkg::Lock::Timeout=600 update -qq >>"$WORK/apt.log" 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" \
            >>"$WORK/apt.log" 2>&1
    fi
}

if docker info >/dev/null 2>&1; then
    log "using the Docker daemon that is already running"
else
    if ! command -v dockerd >/dev/null 2>&1; then
        [ "$(id -u)" = 0 ] || skip "no dockerd, and not root to install docker.io"
        command -v apt-get >/dev/null 2>&1 || skip "no dockerd and no apt-get to install it"
        log "installing docker.io (waits for the dpkg lock if another install runs)"
        apt_install docker.io || {
            tail -n 20 "$WORK/apt.log" >&2
            skip "could not install docker.io"
        }
    fi
    command -v docker >/dev/null 2>&1 || skip "dockerd is there but no docker client"
    [ "$(id -u)" = 0 ] || skip "dockerd is not running and starting it needs root"
    # A pid file left by a daemon that died stops a new one from starting.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
        rm -f /var/run/docker.pid
    fi
    log "starting dockerd (log: $DOCKERD_LOG)"
    dockerd --iptables=false --bridge=none --storage-driver=vfs >"$DOCKERD_LOG" 2>&1 &
    DOCKERD_PID=$!
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
            tail -n 20 "$DOCKERD_LOG" >&2
            DOCKERD_PID=""
            skip "dockerd exited at start"
        fi
        sleep 1
    done
    if ! docker info >/dev/null 2>&1; then
        tail -n 20 "$DOCKERD_LOG" >&2
        skip "dockerd did not answer within 60s"
    fi
    log "dockerd is up"
fi

# The daemon is up: from here on, every problem is a failure.

# A CLI without the buildx plugin must use the classic builder.
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
fi

# --- 2. base image and build ------------------------------------------------------------
default_base="$(sed -n 's/^ARG BASE_IMAGE=//p' Dockerfile | head -n 1)"
[ -n "$default_base" ] || fail "Dockerfile has no 'ARG BASE_IMAGE=' default"
base="${BACKPROP_BASE_IMAGE:-}"
if [ -z "$base" ]; then
    if docker image inspect "$default_base" >/dev/null 2>&1; then
        base="$default_base"
    elif timeout 60 docker pull -q "$default_base" >"$WORK/pull.log" 2>&1; then
        base="$default_base"
    else
        log "cannot pull $default_base ($(tail -n 1 "$WORK/pull.log")); using a Debian stand-in"
        base="$(scripts/docker-base.sh | tail -n 1)" || fail "could not build the stand-in base image"
    fi
fi
log "base image: $base"

log "building $IMAGE"
build_start=$SECONDS
docker build --network=host --build-arg "BASE_IMAGE=$base" --label "$SMOKE_LABEL" \
    -t "$IMAGE" . >"$WORK/build.log" 2>&1 || {
    tail -n 40 "$WORK/build.log" >&2
    fail "docker build"
}
size="$(docker image inspect --format '{{.Size}}' "$IMAGE")"
log "built $IMAGE in $((SECONDS - build_start))s, $((size / 1000000)) MB"

# --- 3. run and wait for healthy ----------------------------------------------------------
if [ -x "$ROOT/.venv/bin/python" ]; then
    PY="$ROOT/.venv/bin/python"
else
    PY="$(command -v python3)"
fi
if ! "$PY" -c 'import websockets.sync.client' 2>/dev/null; then
    log "no websockets package for $PY: using a throwaway venv"
    python3 -m venv "$WORK/venv" >/dev/null
    "$WORK/venv/bin/pip" install -q 'websockets>=12' >/dev/null
    PY="$WORK/venv/bin/python"
fi

PORT="${BACKPROP_SMOKE_PORT:-$("$PY" - <<'EOF'
import socket

for port in (18123, 0):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        s.bind(("0.0.0.0", port))
    except OSError:
        continue
    else:
        print(s.getsockname()[1])
        break
    finally:
        s.close()
EOF
)}"
log "running $CONTAINER on host port $PORT"
CONTAINER_STARTED=1
docker run -d --name "$CONTAINER" --network=host -e "PORT=$PORT" \
    --read-only --tmpfs /tmp \
    --health-interval=2s --health-timeout=5s --health-retries=3 --health-start-period=60s \
    "$IMAGE" >/dev/null

health=""
for _ in $(seq 1 90); do
    running="$(docker inspect --format '{{.State.Running}}' "$CONTAINER")"
    [ "$running" = true ] || fail "the container stopped (exit $(docker inspect --format '{{.State.ExitCode}}' "$CONTAINER"))"
    health="$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$CONTAINER")"
    case "$health" in
        healthy) break ;;
        unhealthy) fail "the container became unhealthy" ;;
        "") fail "the image has no HEALTHCHECK" ;;
    esac
    sleep 1
done
[ "$health" = healthy ] || fail "the container was not healthy within 90s (status: $health)"
log "container is healthy"

# --- 4. checks from outside ----------------------------------------------------------------
"$PY" - "$PORT" <<'EOF' || fail "the checks from outside the container (above)"
import json
import re
import sys
import time
import urllib.request

from websockets.sync.client import connect

port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}"

with urllib.request.urlopen(f"{base}/", timeout=10) as r:
    body = r.read().decode("utf-8", "replace")
    ctype = r.headers.get("content-type", "")
    assert r.status == 200, f"GET / -> {r.status}"
    assert "text/html" in ctype, f"GET / content-type {ctype!r}"
    assert "<html" in body.lower(), "GET / body is not an HTML page"
print(f"GET / -> 200 {ctype}, {len(body)} bytes")

# The page's own static files (CSS, JS) must be in the image too.
assets = sorted(set(re.findall(r'(?:src|href)="(/static/[^"?#]+)', body)))
assert assets, "GET / references no /static/ file"
for path in assets[:40]:
    with urllib.request.urlopen(f"{base}{path}", timeout=10) as r:
        assert r.status == 200, f"GET {path} -> {r.status}"
print(f"GET /static/...: {min(len(assets), 40)} files referenced by the page -> 200")

with urllib.request.urlopen(f"{base}/healthz", timeout=10) as r:
    assert r.status == 200, f"GET /healthz -> {r.status}"
    print(f"GET /healthz -> 200 {r.read()[:200]!r}")

deadline = time.monotonic() + 60


def recv_until(ws, want):
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no matching websocket message in time")
        msg = json.loads(ws.recv(timeout=left))
        if want(msg):
            return msg


with connect(f"ws://127.0.0.1:{port}/ws", origin=base, open_timeout=10) as ws:
    hello = json.loads(ws.recv(timeout=10))
    assert hello.get("type") == "hello", f"first message is {hello.get('type')!r}, not hello"
    ws.send(json.dumps({"type": "configure", "config": {}}))
    recv_until(ws, lambda m: m.get("type") == "state")
    ws.send(json.dumps({"type": "step", "granularity": "substep"}))
    state = recv_until(ws, lambda m: m.get("type") == "state" and m.get("last") is not None)
    phase = state["last"].get("phase")
    assert phase == "forward", f"first substep phase is {phase!r}, not forward"
print(f"websocket: hello, configure -> state, step -> state (last.phase={phase})")
EOF

uid="$(docker exec "$CONTAINER" id -u)"
[ "$uid" != 0 ] || fail "docker exec runs as root in the container"
server_pid="$(docker inspect --format '{{.State.Pid}}' "$CONTAINER")"
server_uid="$(awk '/^Uid:/ {print $2}' "/proc/$server_pid/status")"
[ -n "$server_uid" ] && [ "$server_uid" != 0 ] || fail "the server process runs as root (uid '$server_uid')"
log "server process (host pid $server_pid) runs as uid $server_uid; exec user uid $uid"

log "PASSED (image $IMAGE on $base, $((size / 1000000)) MB)"
