#!/usr/bin/env bash
# The whole test suite as CI runs it: set-up, lint, then every tier (unit, Docker sandbox, exercises).
# With no arguments the tiers run as two pytest processes side by side: the tests marked `docker`
# mostly wait on sandboxes (each held to one CPU), the others are the web app's own Python, so on
# two cores they overlap instead of queueing. Every container a test starts or removes belongs to
# the first process, as before. With arguments, one pytest runs just what was asked.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
if [ $# -gt 0 ]; then
  echo "== tests"
  exec .venv/bin/pytest "$@"
fi

logs=$(mktemp -d)
echo "== tests: the docker tier beside the rest (logs in $logs)"
.venv/bin/pytest -o cache_dir=.pytest_cache/docker -m docker >"$logs/docker.log" 2>&1 &
docker_tier=$!
.venv/bin/pytest -o cache_dir=.pytest_cache/rest -m "not docker" >"$logs/rest.log" 2>&1 &
rest=$!

status=0
wait "$rest" || status=$?
echo "== tests not marked docker"
cat "$logs/rest.log"
wait "$docker_tier" || status=$?
echo "== tests marked docker (sandboxes, exercises, browser, deployment)"
cat "$logs/docker.log"
exit "$status"
