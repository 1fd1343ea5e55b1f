#!/usr/bin/env bash
# Set up and run shailoo on SQLite with a generated demo country: http://127.0.0.1:8000
#   bash scripts/run.sh            (DEMO_VOTERS=1000000 DEMO_SEED=1 PORT=8000 by default)
source "$(dirname "$0")/_env.sh"
ensure_venv ""
cd "$ROOT"
mkdir -p var
export SHAILOO_DATABASE_URL="${SHAILOO_DATABASE_URL:-sqlite:///$ROOT/var/demo.db}"
fresh=0
if [[ "$SHAILOO_DATABASE_URL" == sqlite:///* ]] && [ ! -f "${SHAILOO_DATABASE_URL#sqlite:///}" ]; then
  fresh=1
fi
.venv/bin/shailoo db upgrade
if [ "$fresh" = 1 ]; then
  .venv/bin/shailoo demo generate --voters "${DEMO_VOTERS:-1000000}" --seed "${DEMO_SEED:-1}"
else
  echo "Using the existing database $SHAILOO_DATABASE_URL (delete var/demo.db for a new demo)."
  echo "Demo sign-in: admin / shailoo-demo-2026"
fi
echo "Open http://127.0.0.1:${PORT:-8000}/ (Ctrl-C to stop)"
exec .venv/bin/shailoo serve --host 127.0.0.1 --port "${PORT:-8000}"
