#!/usr/bin/env bash
# The whole test suite as CI runs it: set-up, lint, then every tier (unit, Docker sandbox, exercises).
# With no arguments the tiers run as three pytest processes side by side: the grader's tests
# marked `docker` (the sandbox suite), the other `docker` tests (exercises, web, browser,
# deployment), and the rest. A grading keeps about one core busy and the web tests another, so they
# overlap instead of queueing; more grading at once only slows each grading (a fourth process, or
# the load test's workers beside the exercises: 30-31 min against 26, 2026-11-29). Tests that count
# or remove containers look only at their own process's (the sandboxes' owner label).
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
echo "== tests: three pytest processes side by side (logs in $logs)"
.venv/bin/pytest -o cache_dir=.pytest_cache/sandbox -m docker tests/grader >"$logs/sandbox.log" 2>&1 &
sandbox=$!
.venv/bin/pytest -o cache_dir=.pytest_cache/docker -m docker --ignore tests/grader \
  >"$logs/docker.log" 2>&1 &
docker_tier=$!
.venv/bin/pytest -o cache_dir=.pytest_cache/rest -m "not docker" >"$logs/rest.log" 2>&1 &
rest=$!

status=0
wait "$rest" || status=$?
echo "== tests not marked docker"
cat "$logs/rest.log"
wait "$docker_tier" || status=$?
echo "== tests marked docker: exercises, web, browser and deployment"
cat "$logs/docker.log"
wait "$sandbox" || status=$?
echo "== tests marked docker: the grader (the sandbox suite, in both modes)"
cat "$logs/sandbox.log"
exit "$status"
