#!/usr/bin/env bash
# The whole test suite as CI runs it: set-up, lint, then every tier (unit, Docker sandbox, exercises).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== tests"
.venv/bin/pytest "$@"
