#!/usr/bin/env bash
# Benchmark: one large table (benches/single_table.sql, ~1 GB heap, two
# indexes) backed up by pgark, beside the floor of one connection: a single
# `COPY events TO STDOUT` to /dev/null, in the same run, on one machine.
#
# Starts a scratch PostgreSQL 16 (16.15, .deps/pgbin/16) in a
# temporary directory, loads the dataset, then times (each REPEAT times,
# the best kept):
#   - psql -c "COPY events TO STDOUT" > /dev/null (the floor),
#   - pgark backup --compress none, split (default) and --split-threshold off,
#   - pgark backup at its defaults (gzip:2), split and not split,
#   - pgark backup --compress zstd, when this pgark has zstd.
#
# Usage: bash benches/single_table.sh [ROWS] [REPEAT]
#   ROWS defaults to 3,800,000 (about 1 GB of heap), REPEAT to 2.
# Needs: bash scripts/setup.sh (.deps/pgbin/16), GNU time, bc.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${1:-3800000}
REPEAT=${2:-2}
BIN=$ROOT/.deps/pgbin/16/bin
PORT=${BENCH_PORT:-55442}
. benches/lib.sh
bench_start "$BIN" "$PORT" pgark-single -c shared_buffers=256MB -c max_wal_size=4GB
URL=postgresql://postgres@127.0.0.1:$PORT/bench
"$BIN/psql" -qX -d postgres -c "CREATE DATABASE bench"
echo "generating $ROWS rows..."
"$BIN/psql" -qX -v ON_ERROR_STOP=1 -v rows="$ROWS" -d bench -f benches/single_table.sql
"$BIN/psql" -qXAt -d bench -c "SELECT 'events heap: ' || pg_size_pretty(pg_relation_size('events')) || ', with indexes: ' || pg_size_pretty(pg_total_relation_size('events'))"

PGARK=$(bench_pgark)

# run NAME OUTPUT_FILE CMD...: the best of REPEAT runs' wall seconds,
# output bytes, peak RSS (MiB).
declare -A WALL SIZE RSS
run() {
    local name=$1 out=$2; shift 2
    local best="" start end wall
    for _ in $(seq "$REPEAT"); do
        rm -f "$out"
        sync
        start=$(date +%s.%N)
        /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
        end=$(date +%s.%N)
        wall=$(echo "$end - $start" | bc)
        if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc)" = 1 ]; then best=$wall; fi
    done
    WALL[$name]=$best
    RSS[$name]=$(( $(tail -1 "$WORK/rss") / 1024 ))
    if [ -n "$out" ] && [ -f "$out" ]; then SIZE[$name]=$(stat -c %s "$out"); else SIZE[$name]=0; fi
    printf '%-34s %7.2f s %8.2fx %10.1f MB %6d MiB RSS\n' "$name" "$best" \
        "$(echo "$best / ${WALL[floor]:-$best}" | bc -l)" \
        "$(echo "${SIZE[$name]} / 1000000" | bc -l)" "${RSS[$name]}"
}
BACKUP=("$PGARK" backup --database-url "$URL")

echo
printf '%-34s %9s %9s %13s %14s\n' run wall "/ floor" size "peak RSS"
run floor "" "$BIN/psql" -qX -d bench -c "COPY events TO STDOUT"
run "pgark --compress none" "$WORK/a.dump" "${BACKUP[@]}" --to "$WORK/a.dump" --compress none
run "pgark --compress none, not split" "$WORK/b.dump" "${BACKUP[@]}" --to "$WORK/b.dump" --compress none --split-threshold off
run "pgark (default gzip:2)" "$WORK/c.dump" "${BACKUP[@]}" --to "$WORK/c.dump"
run "pgark (default gzip:2), not split" "$WORK/d.dump" "${BACKUP[@]}" --to "$WORK/d.dump" --split-threshold off
if "$PGARK" backup --help | grep -q zstd; then
    run "pgark --compress zstd" "$WORK/e.dump" "${BACKUP[@]}" --to "$WORK/e.dump" --compress zstd
    run "pgark --compress zstd, not split" "$WORK/f.dump" "${BACKUP[@]}" --to "$WORK/f.dump" --compress zstd --split-threshold off
fi
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
