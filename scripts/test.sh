#!/usr/bin/env bash
# Install what the tests need and run everything: ruff, mypy, import contracts, and the whole
# pytest suite against SQLite and against PostgreSQL, browser tests in headless Chromium.
#   bash scripts/test.sh [pytest args...]
# Uses PostgreSQL on 127.0.0.1:5432 (database "test", trust auth) when it answers; otherwise
# installs Debian's postgresql, allows trust on loopback, and starts it. Installs Debian's
# chromium when missing. Under CI=true nothing is skipped for a missing dependency.
source "$(dirname "$0")/_env.sh"
ensure_venv "[test]"
cd "$ROOT"

port_open() { "$ROOT/.venv/bin/python" - "$1" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

apt_install() {
  if ! command -v apt-get >/dev/null; then echo "apt-get not found; install $* by hand" >&2; return 1; fi
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_chromium() {
  command -v chromium >/dev/null && return 0
  echo "==> installing Debian chromium for the browser tests"
  apt_install chromium || true
}

ensure_postgres() {
  port_open 5432 && return 0
  echo "==> PostgreSQL is not answering on 127.0.0.1:5432: installing and starting it"
  command -v pg_ctlcluster >/dev/null || apt_install postgresql || return 1
  local version hba
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  as_root grep -q "shailoo-tests" "$hba" || as_root sed -i \
    '1i host all all 127.0.0.1/32 trust # shailoo-tests' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
  as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\"" \
    | grep -q 1 || as_root su postgres -c "createdb test"
}

ensure_chromium
ensure_postgres || echo "PostgreSQL could not be started" >&2
export SHAILOO_CHROMIUM="${SHAILOO_CHROMIUM:-$(command -v chromium || true)}"
PG_URL="${SHAILOO_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"

echo "==> ruff"; .venv/bin/ruff check shailoo tests benchmarks
echo "==> mypy"; .venv/bin/mypy shailoo
echo "==> import contracts"; .venv/bin/lint-imports --no-cache

echo "==> tests on SQLite"
SHAILOO_TEST_DATABASE_URL="" .venv/bin/python -m pytest -q "$@"
if port_open 5432; then
  echo "==> tests on PostgreSQL"
  SHAILOO_TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -q "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required under CI" >&2; exit 1
else
  echo "!! PostgreSQL unavailable: the PostgreSQL run was skipped" >&2
fi

echo "==> benchmark smoke runs (tiny sizes; figures mean nothing here)"
backends="sqlite"
port_open 5432 && backends="sqlite,postgresql"
(cd benchmarks && for script in results_*.py register_*.py polling_*.py biometrics_*.py; do
   case "$script" in
     results_reaggregate.py) for b in ${backends//,/ }; do
         ../.venv/bin/python "$script" --smoke --backend "$b" >/dev/null || exit 1; done ;;
     biometrics_station_api.py) ../.venv/bin/python "$script" --smoke --backends "$backends" \
         >/dev/null || exit 1 ;;
     biometrics_*.py) ../.venv/bin/python "$script" --smoke >/dev/null || exit 1 ;;
     *) ../.venv/bin/python "$script" --smoke --backends "$backends" >/dev/null || exit 1 ;;
   esac
   echo "   $script ok"
 done)
