#!/usr/bin/env bash
# The whole test suite as CI runs it: set-up, lint, then every tier (unit, Docker sandbox, exercises).
# With no arguments the tiers run as three pytest processes side by side, of similar length: the
# grader's tests marked `docker` (the sandbox suite); the other `docker` tests (exercises, web,
# browser); and the rest with the deployment stack (`deploy`: compose, the load test), which has
# the time the unit tests leave. Gradings keep about one core busy and the web tests another, so
# they overlap instead of queueing (a fourth process only made every grading slower: 30 min against
# 26). Tests that count or remove containers look only at their own process's (the sandboxes'
# owner label).
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
.venv/bin/pytest -o cache_dir=.pytest_cache/docker -m "docker and not deploy" --ignore tests/grader \
  >"$logs/docker.log" 2>&1 &
docker_tier=$!
.venv/bin/pytest -o cache_dir=.pytest_cache/rest -m "not docker or deploy" >"$logs/rest.log" 2>&1 &
rest=$!

status=0
wait "$rest" || status=$?
echo "== tests not marked docker, and the deployment stack"
cat "$logs/rest.log"
wait "$docker_tier" || status=$?
echo "== tests marked docker: exercises, web and browser"
cat "$logs/docker.log"
wait "$sandbox" || status=$?
echo "== tests marked docker: the grader (the sandbox suite, in both modes)"
cat "$logs/sandbox.log"
exit "$status"
