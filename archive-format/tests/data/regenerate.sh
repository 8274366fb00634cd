#!/usr/bin/env bash
# Regenerates the real pg_dump archives the hostile-input tests mutate:
# one small database (a schema, a COPY table, a table of awkward text,
# two large objects) dumped by pg_dump 15, 16, 17 and 18 (archives 1.14,
# 1.15 and 1.16) with each compression it writes, seekable (-f), one
# streamed to a pipe (no data offsets) and one to a redirected stdout (a
# copy of the TOC after the data). Needs .deps/pgbin (scripts/setup.sh)
# and root (the server runs as user postgres). Run from anywhere:
#   bash archive-format/tests/data/regenerate.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
pgbin=$root/.deps/pgbin
work=$(mktemp -d)
chown postgres "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { runuser -u postgres -- "$@"; }
stop() { as_pg "$pgbin/15/bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap stop EXIT

as_pg "$pgbin/15/bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
as_pg "$pgbin/15/bin/pg_ctl" -D "$work/data" -l "$work/log" -w \
    -o "-p $port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
as_pg "$pgbin/15/bin/psql" -q -h 127.0.0.1 -p "$port" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE DATABASE hostile;
\c hostile
CREATE SCHEMA s;
CREATE TABLE s.t (a integer PRIMARY KEY, b text);
INSERT INTO s.t SELECT g, 'row number ' || g FROM generate_series(1, 60) g;
CREATE TABLE s.awkward (v text);
INSERT INTO s.awkward VALUES (E'tab\there'), (E'new\nline'), ('back\slash'), (NULL), ('é ü 漢');
SELECT lo_from_bytea(16385, decode(repeat('ab', 300), 'hex'));
SELECT lo_from_bytea(16386, 'small');
SQL

dump() { # version file args...
    local v=$1 f=$2; shift 2
    "$pgbin/$v/bin/pg_dump" -h 127.0.0.1 -p "$port" -U postgres -d hostile -Fc "$@" -f "$here/$f"
}
dump 15 pg15-none.dump -Z 0
dump 15 pg15-gzip.dump -Z 6
dump 16 pg16-lz4.dump -Z lz4
dump 16 pg16-zstd.dump -Z zstd
dump 17 pg17-gzip.dump -Z gzip:1
dump 17 pg17-none.dump -Z none
dump 18 pg18-zstd.dump -Z zstd:3
dump 18 pg18-lz4.dump -Z lz4
# Streamed through a pipe: no data offsets in the TOC.
"$pgbin/18/bin/pg_dump" -h 127.0.0.1 -p "$port" -U postgres -d hostile -Fc -Z gzip | cat >"$here/pg18-gzip-streamed.dump"
# Redirected stdout (a regular file, not -f): pg_dump 18 appends its TOC
# rewrite after the last data block instead of writing it over the first
# copy; pg_restore reads such files, and so must pgark.
"$pgbin/18/bin/pg_dump" -h 127.0.0.1 -p "$port" -U postgres -d hostile -Fc -Z gzip >"$here/pg18-gzip-stdout.dump"
ls -l "$here"/*.dump
