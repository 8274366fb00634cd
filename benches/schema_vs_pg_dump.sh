#!/usr/bin/env bash
# Benchmark: a large schema (COPIES copies of a large application schema,
# default 20: 2,760 tables, 660 views, ~34,000 TOC entries, no rows), backed
# up by pgark and by pg_dump -Fc, side by side in one run on one machine.
# Prints wall time (best of RUNS, default 3), peak RSS and the ratios.
#
# Usage: bash benches/schema_vs_pg_dump.sh [COPIES] [RUNS]
# Needs: bash scripts/setup.sh (.deps/pgbin/16), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COPIES=${1:-20}
RUNS=${2:-3}
BIN=$ROOT/.deps/pgbin/16/bin
PORT=${BENCH_PORT:-55433}
. benches/lib.sh
PGARK=$(bench_pgark)
bench_start "$BIN" "$PORT" pgark-schema-bench -c max_locks_per_transaction=1024
URL=postgresql://postgres@127.0.0.1:$PORT/schemas
"$BIN/psql" -qX -d postgres -c "CREATE DATABASE schemas"
"$BIN/psql" -qX -v ON_ERROR_STOP=1 -d schemas -f benches/app_schema.sql
echo "creating $COPIES copies of the application schema..."
for i in $(seq 1 "$COPIES"); do
    "$BIN/psql" -qX -v ON_ERROR_STOP=1 -d schemas -c "SELECT make_app_schema('app$i')" >/dev/null
done
"$BIN/psql" -qX -d schemas -c "DROP FUNCTION make_app_schema(text)" -c "VACUUM ANALYZE" >/dev/null

# best wall time of $RUNS and the peak RSS of that run: "seconds kib"
measure() {
    local best="" rss=""
    for _ in $(seq 1 "$RUNS"); do
        /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
        read -r t m < "$WORK/time"
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
    done
    echo "$best $rss"
}
read -r dump_t dump_m < <(measure "$BIN/pg_dump" -Fc -d schemas -f "$WORK/pg_dump.dump")
read -r ark_t ark_m < <(measure "$PGARK" backup --database-url "$URL" --to "$WORK/pgark.dump")
entries() { "$BIN/pg_restore" -l "$1" | grep -vc '^;'; }
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; PostgreSQL $("$BIN/postgres" --version | awk '{print $3}')"
echo "TOC entries: pg_dump $(entries "$WORK/pg_dump.dump"), pgark $(entries "$WORK/pgark.dump")"
printf '%-10s %8s %10s\n' tool seconds "peak RSS"
printf '%-10s %8s %7d MB\n' pg_dump "$dump_t" $((dump_m / 1024)) pgark "$ark_t" $((ark_m / 1024))
echo "pgark/pg_dump: time $(awk "BEGIN{printf \"%.2f\", $ark_t / $dump_t}")x, peak RSS $(awk "BEGIN{printf \"%.2f\", $ark_m / $dump_m}")x"
