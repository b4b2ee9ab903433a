#!/usr/bin/env bash
# Brings a fresh Debian machine to a ready Kadai: Docker running, .venv installed, sandbox image built.
# Idempotent: every step is skipped when already done. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need_apt+=(fonts-noto-cjk)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "== starting dockerd"
  as_root sh -c 'nohup dockerd >/var/log/kadai-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/kadai-dockerd.log" >&2; exit 1; }
fi

if [ ! -x .venv/bin/kadai ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "== installing the Python environment in .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[ml,dev]"
  touch .venv/.installed
fi

if [ ! -f frontend/static/editor.js ] || [ frontend/editor/main.js -nt frontend/static/editor.js ] \
   || [ frontend/package-lock.json -nt frontend/static/editor.js ] \
   || [ ! -f frontend/static/charts.js ] || [ frontend/charts/main.js -nt frontend/static/charts.js ] \
   || [ frontend/package-lock.json -nt frontend/static/charts.js ] \
   || [ ! -f frontend/static/swagger/swagger-ui-bundle.js ] \
   || [ frontend/package-lock.json -nt frontend/static/swagger/swagger-ui-bundle.js ] \
   || [ ! -f frontend/node_modules/axe-core/axe.min.js ]; then
  # axe-core (the browser tests' accessibility check) comes with the same npm install.
  echo "== building the code editor (CodeMirror 6), the result charts (Chart.js) and the API docs' assets (Swagger UI)"
  (cd frontend && npm ci --no-audit --no-fund --silent && npm run -s build)
fi

echo "== sandbox image"
.venv/bin/kadai sandbox build | tail -n 1
