# Shared by run.sh and test.sh: make .venv with the project installed.
# Works with only Python 3.11+ and pip: falls back to virtualenv when the venv module is absent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"

ensure_venv() {  # $1: pip extras, e.g. "" or "[test]"
  local extras="${1:-}"
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    echo "==> creating $ROOT/.venv"
    "$PY" -m venv "$ROOT/.venv" 2>/dev/null || {
      rm -rf "$ROOT/.venv"
      "$PY" -m pip install --quiet --user virtualenv && "$PY" -m virtualenv -q "$ROOT/.venv"
    }
  fi
  local stamp="$ROOT/.venv/.installed$extras"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    echo "==> installing shailoo$extras into .venv"
    "$ROOT/.venv/bin/python" -m pip install --quiet --upgrade pip
    "$ROOT/.venv/bin/python" -m pip install --quiet -e "$ROOT$extras"
    touch "$stamp"
  fi
}

as_root() {  # run a command as root (directly, or through sudo when available)
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}
