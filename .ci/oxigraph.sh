#!/usr/bin/env bash
# A throwaway Oxigraph server (`oxigraph` on PyPI, in the test extra) for the differential
# suite's second engine: the generic path (Graph Store Protocol, version pointer, --keep).
#
#   .ci/oxigraph.sh start   start `oxigraph serve` on a free localhost port over a writable
#                           store in $DIR/store, wait until it answers; writes $DIR/env
#                           for `. $DIR/env` (ACHAT_OXIGRAPH_URL, _STORE_URL, _UPDATE_URL)
#   .ci/oxigraph.sh stop    stop the server, keep its folder
#   .ci/oxigraph.sh clean   stop the server and delete its folder
#   .ci/oxigraph.sh status  say whether it runs
#
# DIR is $ACHAT_OXIGRAPH_DIR (default /tmp/achat-oxigraph).  Oxigraph's server has no
# accounts: bound to 127.0.0.1, it is reachable from this machine only.
set -euo pipefail

DIR="${ACHAT_OXIGRAPH_DIR:-/tmp/achat-oxigraph}"
OXIGRAPH="${ACHAT_OXIGRAPH_BIN:-$(dirname "$0")/../.venv/bin/oxigraph}"
MAX_SECONDS="${ACHAT_OXIGRAPH_MAX_SECONDS:-30}"
READY_SECONDS=60

log() { echo "oxigraph.sh: $*" >&2; }
die() { log "$*"; exit 1; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

running() {
    [ -f "$DIR/oxigraph.pid" ] && kill -0 "$(cat "$DIR/oxigraph.pid")" 2>/dev/null
}

start() {
    [ -x "$OXIGRAPH" ] || die "no oxigraph at $OXIGRAPH: run make install (the test extra)"
    mkdir -p "$DIR/store"
    if running; then
        log "already running"
        return
    fi
    local port
    port=$(free_port)
    "$OXIGRAPH" serve --location "$DIR/store" --bind "127.0.0.1:$port" \
        --timeout-s "$MAX_SECONDS" >"$DIR/oxigraph.log" 2>&1 &
    echo $! >"$DIR/oxigraph.pid"
    local url="http://127.0.0.1:$port"
    local waited=0
    until python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
            "$url/query?query=ASK%7B%7D" 2>/dev/null; do
        running || die "oxigraph stopped: $(tail -5 "$DIR/oxigraph.log")"
        [ "$waited" -lt "$READY_SECONDS" ] || die "oxigraph did not answer in ${READY_SECONDS}s"
        sleep 1
        waited=$((waited + 1))
    done
    umask 077
    cat >"$DIR/env" <<ENV
export ACHAT_OXIGRAPH_DIR='$DIR'
export ACHAT_OXIGRAPH_URL='$url/query'
export ACHAT_OXIGRAPH_STORE_URL='$url/store'
export ACHAT_OXIGRAPH_UPDATE_URL='$url/update'
ENV
    log "ready at $url (environment: . $DIR/env)"
}

stop() {
    if running; then
        local pid
        pid=$(cat "$DIR/oxigraph.pid")
        kill "$pid"
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$DIR/oxigraph.pid"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    clean) stop; rm -rf "$DIR" ;;
    status) if running; then echo running; else echo stopped; exit 1; fi ;;
    *) echo "usage: $0 start|stop|clean|status" >&2; exit 2 ;;
esac
