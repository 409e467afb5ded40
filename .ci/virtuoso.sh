#!/usr/bin/env bash
# A throwaway Virtuoso (Debian's virtuoso-opensource) for the remote-backend tests.
#
#   .ci/virtuoso.sh start   install if needed, start virtuoso-t on free localhost ports, wait
#                           until ready, create the publishing user, check anonymous updates
#                           are refused; writes $DIR/env (mode 600) for `. $DIR/env`
#   .ci/virtuoso.sh stop    stop the server, keep its folder (a later start resumes it)
#   .ci/virtuoso.sh clean   stop the server and delete its folder
#   .ci/virtuoso.sh status  say whether it runs
#
# DIR is $ACHAT_VIRTUOSO_DIR (default /tmp/achat-virtuoso).  Passwords are random, kept in
# $DIR/env only, and never printed.  The packaged service is stopped and disabled: unused.
set -euo pipefail

DIR="${ACHAT_VIRTUOSO_DIR:-/tmp/achat-virtuoso}"
MAX_ROWS="${ACHAT_VIRTUOSO_MAX_ROWS:-10000}"
MAX_SECONDS="${ACHAT_VIRTUOSO_MAX_SECONDS:-30}"
READY_SECONDS=90
PUBLISHER=achat_publisher

log() { echo "virtuoso.sh: $*" >&2; }
die() { log "$*"; exit 1; }

install_package() {
    if ! command -v virtuoso-t >/dev/null || ! command -v isql-vt >/dev/null; then
        log "installing virtuoso-opensource"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null
    fi
    # The package may start its own service on 1111/8890: we never use it.
    if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
        systemctl disable --now virtuoso-opensource-7 >/dev/null 2>&1 || true
    elif [ -x /etc/init.d/virtuoso-opensource-7 ]; then
        /etc/init.d/virtuoso-opensource-7 stop >/dev/null 2>&1 || true
        update-rc.d virtuoso-opensource-7 disable >/dev/null 2>&1 || true
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

random_secret() {
    python3 -c 'import secrets; print(secrets.token_hex(16))'
}

running() {
    [ -f "$DIR/virtuoso.pid" ] && kill -0 "$(cat "$DIR/virtuoso.pid")" 2>/dev/null
}

sql() {  # sql USER PASSWORD STATEMENTS...
    local user=$1 password=$2
    shift 2
    isql-vt "127.0.0.1:$SQL_PORT" "$user" "$password" "$@" </dev/null
}

write_config() {
    SQL_PORT=$(free_port)
    HTTP_PORT=$(free_port)
    while [ "$HTTP_PORT" = "$SQL_PORT" ]; do HTTP_PORT=$(free_port); done
    mkdir -p "$DIR/db"
    chmod 700 "$DIR"
    cat >"$DIR/virtuoso.ini" <<INI
[Database]
DatabaseFile    = $DIR/db/virtuoso.db
ErrorLogFile    = $DIR/db/virtuoso.log
LockFile        = $DIR/db/virtuoso.lck
TransactionFile = $DIR/db/virtuoso.trx
xa_persistent_file = $DIR/db/virtuoso.pxa
ErrorLogLevel   = 7
FileExtend      = 200
Striping        = 0
TempStorage     = TempDatabase
[TempDatabase]
DatabaseFile    = $DIR/db/virtuoso-temp.db
TransactionFile = $DIR/db/virtuoso-temp.trx
[Parameters]
ServerPort           = 127.0.0.1:$SQL_PORT
DisableUnixSocket    = 1
MaxClientConnections = 10
CheckpointInterval   = 60
CaseMode             = 2
AllowOSCalls         = 0
DirsAllowed          = ., /usr/share/virtuoso-opensource-7/vad
VADInstallDir        = /usr/share/virtuoso-opensource-7/vad/
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
MaxQueryMem          = 256M
ThreadsPerQuery      = 2
[HTTPServer]
ServerPort           = 127.0.0.1:$HTTP_PORT
ServerRoot           = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads        = 10
EnabledDavVSP        = 0
Charset              = UTF-8
[SPARQL]
ResultSetMaxRows           = $MAX_ROWS
MaxQueryExecutionTime      = $MAX_SECONDS
INI
    cat >"$DIR/ports" <<PORTS
SQL_PORT=$SQL_PORT
HTTP_PORT=$HTTP_PORT
PORTS
}

wait_ready() {
    local deadline=$((SECONDS + READY_SECONDS))
    until sql dba "$1" 'EXEC=status();' >/dev/null 2>&1; do
        running || die "virtuoso-t exited; see $DIR/db/virtuoso.log"
        [ $SECONDS -lt $deadline ] || die "not ready after ${READY_SECONDS}s; see $DIR/db/virtuoso.log"
        sleep 1
    done
    until curl -fsS -o /dev/null "http://127.0.0.1:$HTTP_PORT/sparql?query=ASK%7B%7D"; do
        [ $SECONDS -lt $deadline ] || die "HTTP not ready after ${READY_SECONDS}s"
        sleep 1
    done
}

first_setup() {
    local dba_password publisher_password
    dba_password=$(random_secret)
    publisher_password=$(random_secret)
    # Runs once, on a fresh database whose dba password is still the default.
    sql dba dba "EXEC=set password \"dba\" \"$dba_password\";" >/dev/null
    sql dba "$dba_password" \
        "EXEC=DB.DBA.USER_CREATE('$PUBLISHER', '$publisher_password');" \
        "EXEC=GRANT SPARQL_UPDATE TO \"$PUBLISHER\";" \
        "EXEC=DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 1);" \
        "EXEC=DB.DBA.RDF_DEFAULT_USER_PERMS_SET('$PUBLISHER', 3);" \
        "EXEC=checkpoint;" >/dev/null
    umask 077
    cat >"$DIR/env" <<ENV
export ACHAT_VIRTUOSO_DIR='$DIR'
export ACHAT_VIRTUOSO_URL='http://127.0.0.1:$HTTP_PORT/sparql'
export ACHAT_VIRTUOSO_MAX_ROWS='$MAX_ROWS'
export ACHAT_SPARQL_USER='$PUBLISHER'
export ACHAT_SPARQL_PASSWORD='$publisher_password'
export ACHAT_VIRTUOSO_DBA_PASSWORD='$dba_password'
ENV
}

check_anonymous_update_refused() {
    local code
    code=$(curl -sS -o /dev/null -w '%{http_code}' \
        --data-urlencode 'update=INSERT DATA { GRAPH <urn:achat:probe> { <urn:a> <urn:b> <urn:c> } }' \
        "http://127.0.0.1:$HTTP_PORT/sparql")
    case $code in
        2*) die "an anonymous SPARQL update was accepted (HTTP $code): refusing to go on" ;;
    esac
    code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: text/turtle' \
        --data-binary '<urn:a> <urn:b> <urn:c> .' \
        "http://127.0.0.1:$HTTP_PORT/sparql-graph-crud?graph-uri=urn:achat:probe")
    case $code in
        2*) die "an anonymous Graph Store write was accepted (HTTP $code): refusing to go on" ;;
    esac
}

start() {
    install_package
    if running; then
        # shellcheck disable=SC1091
        . "$DIR/ports"
        log "already running"
    else
        local fresh=0
        if [ ! -f "$DIR/ports" ] || [ ! -f "$DIR/env" ]; then
            rm -rf "$DIR"
            mkdir -p "$DIR"
            write_config
            fresh=1
        fi
        # shellcheck disable=SC1091
        . "$DIR/ports"
        (cd "$DIR/db" && exec setsid virtuoso-t +foreground +configfile "$DIR/virtuoso.ini" \
            >"$DIR/stdout.log" 2>&1) &
        echo $! >"$DIR/virtuoso.pid"
        if [ $fresh = 1 ]; then
            wait_ready dba
            first_setup
        else
            # shellcheck disable=SC1091
            . "$DIR/env"
            wait_ready "$ACHAT_VIRTUOSO_DBA_PASSWORD"
        fi
    fi
    check_anonymous_update_refused
    echo "SPARQL endpoint: http://127.0.0.1:$HTTP_PORT/sparql"
    echo "Graph Store (Digest auth): http://127.0.0.1:$HTTP_PORT/sparql-graph-crud-auth"
    echo "SQL port: 127.0.0.1:$SQL_PORT"
    echo "environment (credentials): . $DIR/env"
}

stop() {
    if ! running; then
        log "not running"
        return 0
    fi
    local pid deadline
    pid=$(cat "$DIR/virtuoso.pid")
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
        log "still running after 30s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/virtuoso.pid"
    log "stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    clean) stop; rm -rf "$DIR" ;;
    status) if running; then echo running; else echo stopped; exit 3; fi ;;
    *) die "usage: $0 start|stop|clean|status" ;;
esac
