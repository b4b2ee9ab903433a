#!/usr/bin/env bash
# The whole test suite as CI runs it: set-up, lint, then every tier (unit, Docker sandbox, exercises).
# With no arguments the tiers run as four pytest processes side by side: the grader's tests marked
# `docker` (the sandbox suite), the exercises' validation, the other `docker` tests (web, browser,
# deployment), and the rest. Gradings keep about one core busy and the web tests another, so they
# overlap instead of queueing; four processes of similar length finish together (with three, the
# docker one ran 24 min while the others were done at 16 and 20). Tests that count or remove
# containers look only at their own process's (the sandboxes' owner label).
# With arguments, one pytest runs just what was asked.
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
echo "== tests: four pytest processes side by side (logs in $logs)"
.venv/bin/pytest -o cache_dir=.pytest_cache/sandbox -m docker tests/grader >"$logs/sandbox.log" 2>&1 &
sandbox=$!
.venv/bin/pytest -o cache_dir=.pytest_cache/exercises -m docker tests/exercises \
  >"$logs/exercises.log" 2>&1 &
exercises=$!
.venv/bin/pytest -o cache_dir=.pytest_cache/docker -m docker --ignore tests/grader \
  --ignore tests/exercises >"$logs/docker.log" 2>&1 &
docker_tier=$!
.venv/bin/pytest -o cache_dir=.pytest_cache/rest -m "not docker" >"$logs/rest.log" 2>&1 &
rest=$!

status=0
wait "$rest" || status=$?
echo "== tests not marked docker"
cat "$logs/rest.log"
wait "$exercises" || status=$?
echo "== tests marked docker: every shipped exercise validated in the sandbox"
cat "$logs/exercises.log"
wait "$docker_tier" || status=$?
echo "== tests marked docker: web, browser and deployment"
cat "$logs/docker.log"
wait "$sandbox" || status=$?
echo "== tests marked docker: the grader (the sandbox suite, in both modes)"
cat "$logs/sandbox.log"
exit "$status"
