#!/usr/bin/env bash
# Benchmark: pgark restore against real pg_restore, in one run, on one
# machine, restoring the same archive into a fresh database each time.
#
# Starts a scratch PostgreSQL 16 (pgserver's, from the project venv) in a
# temporary directory and, for each dataset,
#   (a) multi: the realistic ~1 GB multi-table dataset (benches/multi_table.sql,
#       the backup benchmark's: events and docs with primary keys, a small table),
#   (b) single: one ~1 GB table with two indexes (benches/single_table.sql),
# backs it up with pgark (its defaults), then times (each REPEAT times, the
# best kept): pg_restore serial and -j JOBS, pgark restore serial, -j JOBS
# with large tables split across the connections (the default) and -j JOBS
# with --split-threshold off (one connection per table, as pg_restore).
# Prints wall time and the ratios to pg_restore.
#
# Usage: bash benches/restore_vs_pg_restore.sh [SIZE_MB] [SINGLE_ROWS] [REPEAT] [JOBS]
#   SIZE_MB defaults to 1024, SINGLE_ROWS to 3,800,000 (~1 GB of heap),
#   REPEAT to 1, JOBS to 2.
# Needs: bash scripts/setup.sh (venv with pgserver), bc.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE_MB=${1:-1024}
SINGLE_ROWS=${2:-3800000}
REPEAT=${3:-1}
JOBS=${4:-2}
BIN=$ROOT/.venv/lib/python3.11/site-packages/pgserver/pginstall/bin
PORT=${BENCH_PORT:-55452}
. benches/lib.sh
# PGARK=path/to/pgark runs that binary instead of building a release one.
PGARK=$(bench_pgark)
bench_start "$BIN" "$PORT" pgark-restore-bench -c shared_buffers=512MB -c max_wal_size=4GB
base=postgresql://postgres@127.0.0.1:$PORT

psql() { "$BIN/psql" -qX -v ON_ERROR_STOP=1 "$@"; }
fresh() { psql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS r" -c "CREATE DATABASE r"; }

declare -A WALL
# run NAME CMD...: the best of REPEAT runs' wall seconds, each into a fresh
# database r.
run() {
    local name=$1; shift
    local best="" start end wall
    for _ in $(seq "$REPEAT"); do
        fresh
        psql -d postgres -c CHECKPOINT
        sync
        start=$(date +%s.%N)
        "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
        end=$(date +%s.%N)
        wall=$(echo "$end - $start" | bc)
        if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc)" = 1 ]; then best=$wall; fi
    done
    WALL[$name]=$best
    printf '  %-34s %7.1f s\n' "$name" "$best"
}

ratio() { echo "scale=2; $1 / $2" | bc; }

bench() {
    local set=$1 archive=$WORK/$1.dump
    "$PGARK" backup --database-url "$base/$set" --to "$archive" >/dev/null 2>&1
    echo "$set: archive $(( $(stat -c %s "$archive") / 1000000 )) MB"
    run "$set pg_restore" "$BIN/pg_restore" -d r "$archive"
    run "$set pg_restore -j $JOBS" "$BIN/pg_restore" -d r -j "$JOBS" "$archive"
    run "$set pgark" "$PGARK" restore "$archive" -d "$base/r"
    run "$set pgark -j $JOBS" "$PGARK" restore "$archive" -d "$base/r" -j "$JOBS"
    run "$set pgark -j $JOBS (no split)" "$PGARK" restore "$archive" -d "$base/r" -j "$JOBS" --split-threshold off
    echo "  pgark / pg_restore:       serial $(ratio "${WALL[$set pgark]}" "${WALL[$set pg_restore]}")," \
        "-j $JOBS $(ratio "${WALL[$set pgark -j $JOBS]}" "${WALL[$set pg_restore -j $JOBS]}")," \
        "-j $JOBS no split $(ratio "${WALL[$set pgark -j $JOBS (no split)]}" "${WALL[$set pg_restore -j $JOBS]}")"
    psql -d postgres -c "DROP DATABASE $set"
}

echo "generating (a) multi: ~${SIZE_MB} MB of COPY text..."
psql -d postgres -c "CREATE DATABASE multi"
psql -v rows_e=$((SIZE_MB * 2600)) -v rows_d=$((SIZE_MB * 1100)) -d multi -f benches/multi_table.sql
echo "generating (b) single: $SINGLE_ROWS rows..."
psql -d postgres -c "CREATE DATABASE single"
psql -v rows="$SINGLE_ROWS" -d single -f benches/single_table.sql
echo
bench multi
bench single
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); PostgreSQL $("$BIN/postgres" -V | awk '{print $3}')"
