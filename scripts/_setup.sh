# Shared set-up for scripts/serve and scripts/test: a virtualenv with the project installed
# (with the optional dependencies named by EXTRAS: "demo" to serve, "dev" to test) and compiled
# translations. Safe to run again: it reinstalls only when pyproject.toml or EXTRAS changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
EXTRAS=${EXTRAS:-dev}
stamp=.venv/.reunite-installed-$EXTRAS
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # This machine's pip configuration names optional local indexes; their absence is not news.
  quiet() { "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }; }
  quiet .venv/bin/python -m pip install --quiet --upgrade pip
  quiet .venv/bin/python -m pip install --quiet -e ".[$EXTRAS]"
  echo "$want" > "$stamp"
fi
.venv/bin/pybabel compile -d app/translations >/dev/null 2>&1
export FLASK_APP=app
