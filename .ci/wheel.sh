#!/usr/bin/env bash
# The wheel works outside the checkout: install it into a fresh venv, then build, validate
# and serve from another folder. The editor's JavaScript is not there: the server says how
# to get it, and everything else answers.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/achat-wheel.XXXXXX)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
# Build from a copy: setuptools writes build/ beside the sources it is given.
mkdir "$work/src"
tar -C "$src" --exclude=./.git --exclude=./.venv --exclude=./node_modules --exclude='./dist*' \
    --exclude=./build -cf - . | tar -C "$work/src" -xf -
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$work/src" 2>&1 | grep -v '^WARNING: Location' || true
cd /
"$work/venv/bin/achat-graph" build --out "$work/dist" --quiet
"$work/venv/bin/achat-graph" validate "$work/dist/graph.ttl" >/dev/null
port=$("$work/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$work/venv/bin/achat-graph" serve --dist "$work/dist" --port "$port" --workers 1 \
    >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 60); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 1
done
curl -fsS "http://127.0.0.1:$port/health" >/dev/null
curl -fsS "http://127.0.0.1:$port/query" | grep -q '<form'
curl -fsS -H 'Accept: application/sparql-results+json' \
    "http://127.0.0.1:$port/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D" | grep -q true
grep -q "npm" "$work/serve.log"
echo "wheel: installed, built, validated and served from outside the checkout"
