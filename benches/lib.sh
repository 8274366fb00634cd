# What the benchmark scripts share: a scratch directory, a private server
# started from a PostgreSQL bin/ (as user postgres when run as root) and
# stopped on exit, and the pgark binary to time. Source it after `cd` to
# the project root:
#
#   . benches/lib.sh
#   bench_start "$BIN" "$PORT" pgark-bench -c shared_buffers=512MB
#   PGARK=$(bench_pgark)
#
# bench_start sets WORK (the scratch directory) and exports PGHOST, PGPORT
# and PGUSER for psql, pg_dump and pg_restore. A script with more to stop
# defines bench_extra_cleanup, which the exit trap calls first.

# bench_start BIN PORT NAME [SERVER OPTION...]
bench_start() {
    local bin=$1 port=$2 name=$3
    shift 3
    BENCH_BIN=$bin
    WORK=$(mktemp -d "/tmp/$name.XXXXXX")
    chmod 755 "$WORK"
    RUNAS=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$WORK"
        RUNAS=(runuser -u postgres --)
    fi
    trap bench_cleanup EXIT
    "${RUNAS[@]}" "$bin/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
    "${RUNAS[@]}" "$bin/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w \
        -o "-p $port -k $WORK -c listen_addresses=127.0.0.1 $*" start >/dev/null
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
}

bench_cleanup() {
    if declare -F bench_extra_cleanup >/dev/null; then
        bench_extra_cleanup || true
    fi
    "${RUNAS[@]}" "$BENCH_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}

# The pgark binary to time: $PGARK when set, else a release build.
bench_pgark() {
    if [ -n "${PGARK:-}" ]; then
        echo "$PGARK"
        return
    fi
    cargo build --release --quiet --bin pgark >&2
    echo "${CARGO_TARGET_DIR:-$PWD/target}/release/pgark"
}
